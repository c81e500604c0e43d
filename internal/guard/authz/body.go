package authz

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// errBodyTooLarge reports a body longer than the owner check reads.
var errBodyTooLarge = errors.New("body exceeds the owner check's read limit")

// readBody reads r's body, at most limit bytes, and always puts back a body
// that yields the same bytes as the original: the whole body when it was
// read to the end, else what was read followed by the unread rest (so that
// in monitor mode an oversized or failing body still reaches the proxy as
// the client sent it).
func readBody(r *http.Request, limit int64) ([]byte, error) {
	orig := r.Body
	data, err := io.ReadAll(io.LimitReader(orig, limit+1))
	if err == nil && int64(len(data)) > limit {
		r.Body = pipeline.ReplayBody(data, nil, orig)
		return nil, fmt.Errorf("%w (%d bytes)", errBodyTooLarge, limit)
	}
	r.Body = pipeline.ReplayBody(data, err, orig)
	if err != nil {
		return nil, err
	}
	// The length is known now: the proxy sends Content-Length instead of
	// chunks, and can replay the body (GetBody) on a retry.
	r.ContentLength = int64(len(data))
	r.TransferEncoding = nil
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	return data, nil
}

// isJSONMediaType accepts application/json and any +json type (RFC 6839),
// e.g. application/merge-patch+json.
func isJSONMediaType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// isBlank reports whether data is only JSON whitespace: there is no
// document, hence no owner field.
func isBlank(data []byte) bool {
	return len(bytes.Trim(data, " \t\r\n")) == 0
}
