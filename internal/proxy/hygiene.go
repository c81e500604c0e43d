package proxy

import (
	"io"
	"net/http"
	"strconv"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// peekSize bounds how much of a 5xx body is inspected for stack traces.
const peekSize = 64 << 10

// modifyResponse is the ReverseProxy ModifyResponse hook: hygiene first, so
// response observers see what the client will see, then the observers.
func (p *Proxy) modifyResponse(res *http.Response) error {
	h := res.Header
	for _, k := range p.cfg.stripHeaders {
		delete(h, k)
	}
	if p.cfg.noSniff {
		// Shared read-only slice: ReverseProxy copies values out of it and
		// Header.Add/Set never write into an existing slice's elements.
		h["X-Content-Type-Options"] = p.nosniff
	}
	if p.cfg.maskStackTraces && res.StatusCode >= 500 && p.leaksInternals(res) {
		up := res.Request.URL.Scheme + "://" + res.Request.URL.Host
		pipeline.AddEvent(res.Request, pipeline.Event{
			Kind:     "upstream.stack_trace",
			Severity: pipeline.SeverityLow,
			Category: "API8:2023",
			Guard:    "proxy",
			Rule:     "mask_stack_trace",
			Message:  "an upstream error response carried a stack trace or database error; it was replaced",
			Evidence: map[string]string{"api": p.name, "upstream": up, "status": strconv.Itoa(res.StatusCode)},
		})
		// ReverseProxy closes the body and hands this to handleError.
		return &stackTraceError{status: res.StatusCode, upstream: up}
	}
	if p.observe != nil {
		return p.observe(res)
	}
	return nil
}

// leaksInternals peeks at a 5xx body and reports whether it looks like a
// stack trace. A body whose length is known and within peekSize is read in
// full; any other body (chunked, streaming, large) is inspected only as far
// as one Read returns, so a streaming error response is never held back.
// The peeked bytes are put back in front of the body.
func (p *Proxy) leaksInternals(res *http.Response) bool {
	if res.Body == nil || res.Body == http.NoBody || res.ContentLength == 0 {
		return false
	}
	if ce := res.Header.Get("Content-Encoding"); ce != "" && ce != "identity" {
		return false // compressed: we pass bodies through untouched, and cannot read it
	}
	buf := p.peekBufs.get()
	var (
		n   int
		err error
	)
	if cl := res.ContentLength; cl > 0 && cl <= peekSize {
		n, err = io.ReadFull(res.Body, buf[:cl])
	} else {
		n, err = res.Body.Read(buf)
	}
	if looksLikeStackTrace(buf[:n]) {
		p.peekBufs.put(buf)
		return true
	}
	res.Body = &peekedBody{pool: &p.peekBufs, buf: buf, data: buf[:n], err: err, rest: res.Body}
	return false
}

// peekedBody replays the peeked prefix, then the rest of the upstream body.
type peekedBody struct {
	pool *peekPool
	buf  []byte
	data []byte
	err  error // a non-EOF error met while peeking, returned after the prefix
	rest io.ReadCloser
}

func (b *peekedBody) Read(p []byte) (int, error) {
	if len(b.data) > 0 {
		n := copy(p, b.data)
		b.data = b.data[n:]
		if len(b.data) == 0 {
			b.release()
		}
		return n, nil
	}
	if b.err != nil && b.err != io.EOF && b.err != io.ErrUnexpectedEOF {
		return 0, b.err
	}
	return b.rest.Read(p)
}

func (b *peekedBody) Close() error {
	b.data = nil
	b.release()
	return b.rest.Close()
}

func (b *peekedBody) release() {
	if b.buf != nil {
		b.pool.put(b.buf)
		b.buf = nil
	}
}
