package pipeline

import (
	"bytes"
	"errors"
	"io"
	"net/http"
)

// ErrBodyTooLarge is returned by ReadBody when the body is longer than the
// limit the caller can inspect. The body is left intact for the upstream.
var ErrBodyTooLarge = errors.New("request body exceeds the inspection limit")

// bufferedBody is the state's copy of a request body already read by a
// guard: later guards reuse the bytes instead of reading again, and the
// upstream receives the same bytes followed by whatever was not read.
type bufferedBody struct {
	data []byte
	err  error
	done bool
}

// ReadBody returns the request body, read at most once per request however
// many guards inspect it, and leaves r.Body replayable for the next reader
// and the upstream. A body longer than limit returns ErrBodyTooLarge (the
// first limit+1 bytes are kept and replayed ahead of the rest, so nothing is
// lost). Errors from the underlying reader (a *http.MaxBytesError set by the
// body-limit guard, a client that hung up) are returned as they are and
// remembered, so every guard sees the same answer. Outside a Chain the body
// is read each call.
func ReadBody(r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	s := StateOf(r.Context())
	if s != nil && s.buffered.done {
		return s.buffered.data, s.buffered.err
	}
	orig := r.Body
	data, err := io.ReadAll(io.LimitReader(orig, limit+1))
	if err == nil && int64(len(data)) > limit {
		err = ErrBodyTooLarge
		r.Body = &replayBody{Reader: io.MultiReader(bytes.NewReader(data), orig), closer: orig}
	} else {
		r.Body = &replayBody{Reader: bytes.NewReader(data), closer: orig}
	}
	if s != nil {
		s.buffered = bufferedBody{data: data, err: err, done: true}
	}
	return data, err
}

// replayBody serves buffered bytes (and, when the body was too large to
// buffer, the rest of the original stream) and closes the original.
type replayBody struct {
	io.Reader
	closer io.Closer
}

func (b *replayBody) Close() error { return b.closer.Close() }
