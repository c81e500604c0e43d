package pipeline

import (
	"crypto/rand"
	"encoding/base32"
	"net/http"
	"strconv"
	"sync/atomic"
)

// maxRequestIDLen bounds an incoming X-Request-ID so a client cannot bloat
// logs or inject into them; longer or odd ids are replaced.
const maxRequestIDLen = 64

// idGenerator makes request ids: a random per-process prefix (unique across
// restarts and replicas) and a counter, cheap enough for every request.
type idGenerator struct {
	prefix  string
	counter atomic.Uint64
}

func newIDGenerator() *idGenerator {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return &idGenerator{prefix: base32.HexEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]) + "-"}
}

// requestID keeps a well-formed incoming X-Request-ID (so traces join across
// services) and otherwise mints one into the State's buffer.
func (c *Chain) requestID(s *State, r *http.Request) string {
	if v := r.Header.Get("X-Request-Id"); validRequestID(v) {
		return v
	}
	buf := append(s.idBuf[:0], c.ids.prefix...)
	buf = strconv.AppendUint(buf, c.ids.counter.Add(1), 36)
	return string(buf)
}

// validRequestID accepts 1–64 characters of [A-Za-z0-9._:-]: enough for
// UUIDs and trace ids, nothing that could break a log line or a header.
func validRequestID(v string) bool {
	if v == "" || len(v) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == ':', c == '-':
		default:
			return false
		}
	}
	return true
}
