package event

import (
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// Bounds on client-controlled strings in an access line, so a request with
// an 8 KiB path or user agent cannot inflate every log line it produces.
const (
	maxLoggedPath      = 1024
	maxLoggedUserAgent = 512
	maxLoggedHost      = 255
)

// accessLineBuffer is the starting capacity of a pooled line buffer: a
// typical access line is 500-700 bytes.
const accessLineBuffer = 1 << 10

// AccessLog writes one JSON line per request, with ECS field names as flat
// dotted keys, in the shape log/slog's JSON handler gives (it used to be
// one; see accesslog_encode.go for why it no longer is). Lines are encoded
// in parallel and written one whole line per Write under a mutex, so
// concurrent requests never interleave within a line.
//
// It logs only the fields listed on WriteOutcome. In particular it never logs
// request or response headers (Authorization, Cookie, X-API-Key), bodies, or
// the query string: query strings routinely carry API keys, OAuth tokens and
// signed-URL signatures (CWE-598), and access logs are read by many more
// people than the gateway's secrets are meant for (CWE-532).
type AccessLog struct {
	mu   sync.Mutex // serialises Writes to w
	w    io.Writer
	bufs sync.Pool // *[]byte line buffers; a pointer so Put does not allocate
	errs atomic.Uint64
}

var _ pipeline.OutcomeSink = (*AccessLog)(nil)

// NewAccessLog returns an access log writing JSON lines to w.
func NewAccessLog(w io.Writer) *AccessLog {
	return &AccessLog{w: w}
}

// WriteOutcome logs o as one line:
//
//	@timestamp (request start), log.level, message ("request"), ecs.version,
//	event.dataset ("rampart.access"), event.duration (ns, whole time in the
//	gateway), rampart.upstream_duration (ns), rampart.verdict,
//	http.request.id, http.request.method, url.domain (Host without port),
//	url.path, http.response.status_code, http.request.body.bytes,
//	http.response.body.bytes, client.ip, user.id, user_agent.original,
//	rampart.route.api, rampart.route.name and, when guards objected,
//	rampart.denials (["guard/rule", ...]).
//
// Empty optional fields are left out. A write failure is counted (Errors).
func (a *AccessLog) WriteOutcome(o *pipeline.Outcome) {
	ts := o.Time
	if ts.IsZero() {
		ts = time.Now()
	}
	bp, _ := a.bufs.Get().(*[]byte)
	if bp == nil {
		b := make([]byte, 0, accessLineBuffer)
		bp = &b
	}
	line := appendAccessLine((*bp)[:0], o, ts)
	if err := a.writeLine(line); err != nil {
		a.errs.Add(1)
	}
	// Do not keep a buffer grown by one huge line alive in the pool.
	if cap(line) <= maxPooledBuffer {
		*bp = line
		a.bufs.Put(bp)
	}
}

// writeLine hands the whole line to w in one Write under the mutex: a file
// opened O_APPEND or a pipe then receives it as one piece, so a tailing
// SIEM never sees two requests' lines interleaved.
func (a *AccessLog) writeLine(line []byte) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	n, err := a.w.Write(line)
	if err == nil && n != len(line) {
		err = io.ErrShortWrite
	}
	return err
}

// Errors returns how many access lines could not be written.
func (a *AccessLog) Errors() uint64 { return a.errs.Load() }

// hostOnly strips the port from a Host header value: ECS url.domain is the
// name alone ("api.example.com", "2001:db8::1").
func hostOnly(host string) string {
	if strings.HasPrefix(host, "[") {
		if end := strings.IndexByte(host, ']'); end > 0 {
			return host[1:end]
		}
		return host
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 && strings.IndexByte(host, ':') == i {
		return host[:i]
	}
	return host
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
