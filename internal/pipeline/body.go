package pipeline

import (
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
		r.Body = ReplayBody(data, nil, orig)
	} else if err == nil {
		// The whole body is in data: the replay ends with it and never
		// reads the original again.
		r.Body = ReplayBody(data, io.EOF, orig)
	} else {
		r.Body = ReplayBody(data, err, orig)
	}
	if s != nil {
		s.buffered = bufferedBody{data: data, err: err, done: true}
	}
	return data, err
}

// ReplayBody returns a body that yields data (bytes already read from
// rest), then readErr if it is not nil, then whatever rest still holds; its
// Close closes rest. Pass io.EOF when data is the whole body. Guards that read a request or response body ahead put
// it back this way, so the next reader gets the bytes as they were sent
// and the failure met while reading them (a client that hung up, a
// *http.MaxBytesError): a truncated body is never passed on as complete.
func ReplayBody(data []byte, readErr error, rest io.ReadCloser) io.ReadCloser {
	return &replayBody{data: data, err: readErr, rest: rest}
}

type replayBody struct {
	data []byte
	err  error
	rest io.ReadCloser
}

func (b *replayBody) Read(p []byte) (int, error) {
	if len(b.data) > 0 {
		n := copy(p, b.data)
		b.data = b.data[n:]
		return n, nil
	}
	if b.err != nil {
		return 0, b.err
	}
	return b.rest.Read(p)
}

func (b *replayBody) Close() error { return b.rest.Close() }
