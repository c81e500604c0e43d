package server

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// The tests in this file pin what a client gets over TLS when the request
// is refused before the gateway's handler runs. net/http answers those
// itself and, unlike on plain HTTP (problemconn.go), the answer cannot be
// rewritten; docs/operations.md describes exactly this behaviour.

// tlsErrorsMaxHeader is the cap the tests configure; net/http's own limit
// is netHTTPHeaderLimit of it.
const tlsErrorsMaxHeader = 1024

// startCountingTLSServer starts a DevTLS server whose handler counts the
// requests that reach it.
func startCountingTLSServer(t *testing.T) (*Server, *x509.CertPool, *atomic.Int32) {
	t.Helper()
	var served atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		served.Add(1)
		_, _ = io.WriteString(w, "ok")
	})
	s := startServer(t, Config{HTTPSAddr: "127.0.0.1:0", DevTLS: true, MaxHeaderBytes: tlsErrorsMaxHeader}, h)
	return s, poolOf(s), &served
}

func TestServerOwnErrorsOverTLSHTTP1(t *testing.T) {
	s, roots, served := startCountingTLSServer(t)
	beyondNetHTTP := netHTTPHeaderLimit(tlsErrorsMaxHeader) + 4096 + 1 // net/http reads 4 KiB of slack
	tests := []struct {
		name        string
		request     string
		wantStatus  int
		wantType    string // Content-Type
		wantBody    string // exact, for net/http's own answers
		wantProblem string // problem type, for Rampart's answers
	}{
		{name: "malformed request line", request: "GARBAGE\r\n\r\n",
			wantStatus: 400, wantType: "text/plain; charset=utf-8", wantBody: "400 Bad Request"},
		{name: "missing host", request: "GET / HTTP/1.1\r\n\r\n",
			wantStatus: 400, wantType: "text/plain; charset=utf-8", wantBody: "400 Bad Request: missing required Host header"},
		{name: "headers one byte over the cap", request: paddedRequest(tlsErrorsMaxHeader + 1),
			wantStatus: 431, wantType: "application/problem+json", wantProblem: "urn:rampart:problem:header_too_large"},
		{name: "headers twice the cap", request: paddedRequest(2 * tlsErrorsMaxHeader),
			wantStatus: 431, wantType: "application/problem+json", wantProblem: "urn:rampart:problem:header_too_large"},
		{name: "headers beyond net/http's limit", request: paddedRequest(beyondNetHTTP),
			wantStatus: 431, wantType: "text/plain; charset=utf-8", wantBody: "431 Request Header Fields Too Large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := tlsHTTP1Exchange(t, s.HTTPSAddr(), roots, tt.request)
			if resp.StatusCode != tt.wantStatus || resp.Header.Get("Content-Type") != tt.wantType {
				t.Fatalf("got %d %q, want %d %q; body %q", resp.StatusCode, resp.Header.Get("Content-Type"),
					tt.wantStatus, tt.wantType, body)
			}
			if tt.wantBody != "" && body != tt.wantBody {
				t.Errorf("body = %q, want %q", body, tt.wantBody)
			}
			if tt.wantProblem != "" {
				wantServerProblem(t, body, tt.wantStatus, tt.wantProblem)
			}
			wantNoInternalDetail(t, s.HTTPSAddr(), resp.Header, body)
		})
	}
	if n := served.Load(); n != 0 {
		t.Errorf("handler ran %d times for refused requests, want 0", n)
	}

	// The cap is exact: a request of exactly MaxHeaderBytes is served.
	if resp, body := tlsHTTP1Exchange(t, s.HTTPSAddr(), roots, paddedRequest(tlsErrorsMaxHeader)); resp.StatusCode != 200 || body != "ok" {
		t.Errorf("request of exactly MaxHeaderBytes: %d %q, want 200 ok", resp.StatusCode, body)
	}
}

func TestServerOwnErrorsOverTLSHTTP2(t *testing.T) {
	s, roots, served := startCountingTLSServer(t)
	request := func(extra ...hpack.HeaderField) []hpack.HeaderField {
		return append([]hpack.HeaderField{
			{Name: ":method", Value: "GET"}, {Name: ":scheme", Value: "https"},
			{Name: ":authority", Value: "localhost"}, {Name: ":path", Value: "/"},
		}, extra...)
	}
	pad := func(name string, n int) hpack.HeaderField {
		return hpack.HeaderField{Name: name, Value: strings.Repeat("a", n)}
	}
	// net/http advertises and enforces SETTINGS_MAX_HEADER_LIST_SIZE: its
	// limit plus 32 bytes for each of ten assumed fields (RFC 9113 §6.5.2).
	listLimit := netHTTPHeaderLimit(tlsErrorsMaxHeader) + 10*32

	t.Run("well formed", func(t *testing.T) {
		if got := h2Exchange(t, s.HTTPSAddr(), roots, request()); got.status != 200 || got.body != "ok" {
			t.Fatalf("got %+v, want 200 ok", got)
		}
	})
	t.Run("malformed request: no :path", func(t *testing.T) {
		fields := request()[:3]
		got := h2Exchange(t, s.HTTPSAddr(), roots, fields)
		if got.status != 0 || !got.reset || got.errCode != http2.ErrCodeProtocol {
			t.Fatalf("got %+v, want the stream reset with PROTOCOL_ERROR and no response", got)
		}
	})
	t.Run("headers over the cap", func(t *testing.T) {
		got := h2Exchange(t, s.HTTPSAddr(), roots, request(pad("x-pad", tlsErrorsMaxHeader)))
		if got.status != 431 || got.contentType != "application/problem+json" {
			t.Fatalf("got %+v, want 431 problem+json", got)
		}
		wantServerProblem(t, got.body, 431, "urn:rampart:problem:header_too_large")
		wantNoInternalDetail(t, s.HTTPSAddr(), nil, got.body)
	})
	t.Run("header list just beyond net/http's limit", func(t *testing.T) {
		// Three fields of ~listLimit/3 each: no single value is over the
		// limit, the list is. net/http answers with its own HTML page.
		n := listLimit/3 + 1
		got := h2Exchange(t, s.HTTPSAddr(), roots, request(pad("x-a", n), pad("x-b", n), pad("x-c", n)))
		if got.status != 431 || !strings.HasPrefix(got.contentType, "text/html") {
			t.Fatalf("got %+v, want net/http's own 431 text/html", got)
		}
		wantNoInternalDetail(t, s.HTTPSAddr(), nil, got.body)
	})
	t.Run("one value beyond net/http's limit", func(t *testing.T) {
		got := h2Exchange(t, s.HTTPSAddr(), roots, request(pad("x-pad", listLimit+1)))
		if got.status != 0 || !got.goAway {
			t.Fatalf("got %+v, want the connection closed with GOAWAY and no response", got)
		}
	})
	t.Run("header block far beyond net/http's limit", func(t *testing.T) {
		got := h2Exchange(t, s.HTTPSAddr(), roots, request(pad("x-pad", 16<<10)))
		if got.status != 0 || !got.goAway {
			t.Fatalf("got %+v, want the connection closed with GOAWAY and no response", got)
		}
	})
	if n := served.Load(); n != 1 {
		t.Errorf("handler ran %d times, want 1 (the well-formed request only)", n)
	}

	// A real client: Go's transport sends headers up to the advertised
	// limit, and the cap is answered by Rampart over HTTP/2 too.
	req, err := http.NewRequest(http.MethodGet, "https://"+s.HTTPSAddr()+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Pad", strings.Repeat("a", tlsErrorsMaxHeader))
	resp, err := newClient(t, roots).Do(req)
	if err != nil {
		t.Fatalf("GET with headers over the cap: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.ProtoMajor != 2 || resp.StatusCode != 431 || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("got %s %d %q, want HTTP/2 431 problem+json", resp.Proto, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	wantServerProblem(t, string(body), 431, "urn:rampart:problem:header_too_large")
}

// tlsHTTP1Exchange writes request verbatim on a TLS connection that
// negotiated HTTP/1.1 and reads one response.
func tlsHTTP1Exchange(t *testing.T, addr string, roots *x509.CertPool, request string) (*http.Response, string) {
	t.Helper()
	conn := dialTLS(t, addr, roots, "http/1.1")
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatalf("write: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading response: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil && len(body) == 0 {
		t.Fatalf("reading body: %v", err)
	}
	return resp, string(body)
}

func dialTLS(t *testing.T, addr string, roots *x509.CertPool, proto string) *tls.Conn {
	t.Helper()
	d := &net.Dialer{Timeout: 5 * time.Second}
	conn, err := tls.DialWithDialer(d, "tcp", addr, &tls.Config{RootCAs: roots, ServerName: "localhost", NextProtos: []string{proto}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	if got := conn.ConnectionState().NegotiatedProtocol; got != proto {
		t.Fatalf("ALPN negotiated %q, want %q", got, proto)
	}
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	return conn
}

// h2Result is what came back on stream 1 of a raw HTTP/2 exchange.
type h2Result struct {
	status      int    // 0: no response headers
	contentType string // of the response
	body        string
	reset       bool // RST_STREAM on the stream
	goAway      bool // GOAWAY on the connection
	errCode     http2.ErrCode
}

// h2Exchange sends fields as the header block of stream 1, exactly as
// given (a raw framer, unlike http.Transport, neither validates them nor
// honours the server's header list limit), and reads until the stream or
// the connection ends.
func h2Exchange(t *testing.T, addr string, roots *x509.CertPool, fields []hpack.HeaderField) h2Result {
	t.Helper()
	conn := dialTLS(t, addr, roots, "h2")
	if _, err := io.WriteString(conn, http2.ClientPreface); err != nil {
		t.Fatal(err)
	}
	fr := http2.NewFramer(conn, bufio.NewReader(conn))
	fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	if err := fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	var block bytes.Buffer
	enc := hpack.NewEncoder(&block)
	for _, f := range fields {
		if err := enc.WriteField(f); err != nil {
			t.Fatal(err)
		}
	}
	// Split the block into frames of the default maximum size (RFC 9113 §4.2).
	const maxFrame = 16384
	rest := block.Bytes()
	first := rest[:min(len(rest), maxFrame)]
	rest = rest[len(first):]
	if err := fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: first, EndStream: true, EndHeaders: len(rest) == 0}); err != nil {
		t.Fatal(err)
	}
	for len(rest) > 0 {
		n := min(len(rest), maxFrame)
		if err := fr.WriteContinuation(1, n == len(rest), rest[:n]); err != nil {
			break // the server may already have closed the connection
		}
		rest = rest[n:]
	}

	var res h2Result
	var body strings.Builder
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			res.body = body.String()
			return res // connection closed
		}
		switch f := f.(type) {
		case *http2.MetaHeadersFrame:
			for _, hf := range f.Fields {
				switch hf.Name {
				case ":status":
					res.status = atoi(t, hf.Value)
				case "content-type":
					res.contentType = hf.Value
				}
			}
			if f.StreamEnded() {
				return res
			}
		case *http2.DataFrame:
			body.Write(f.Data())
			if f.StreamEnded() {
				res.body = body.String()
				return res
			}
		case *http2.RSTStreamFrame:
			res.reset, res.errCode = true, f.ErrCode
			return res
		case *http2.GoAwayFrame:
			res.goAway, res.errCode = true, f.ErrCode
			res.body = body.String()
			return res
		}
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if err := json.Unmarshal([]byte(s), &n); err != nil {
		t.Fatalf("status %q: %v", s, err)
	}
	return n
}

// wantServerProblem checks an RFC 9457 body written by the server itself.
func wantServerProblem(t *testing.T, body string, status int, typ string) {
	t.Helper()
	var p struct {
		Type   string `json:"type"`
		Status int    `json:"status"`
		Detail string `json:"detail"`
	}
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("body %q is not JSON: %v", body, err)
	}
	if p.Type != typ || p.Status != status || p.Detail == "" {
		t.Errorf("problem = %+v, want type %s status %d with a detail", p, typ, status)
	}
}

// wantNoInternalDetail checks that an error answer names nothing about the
// server: no address, Go version, source file, stack or library name.
func wantNoInternalDetail(t *testing.T, addr string, header http.Header, body string) {
	t.Helper()
	_, port, _ := net.SplitHostPort(addr)
	var all strings.Builder
	all.WriteString(body)
	for k, vs := range header {
		all.WriteString("\n" + k + ": " + strings.Join(vs, ","))
	}
	text := strings.ToLower(all.String())
	for _, leak := range []string{"127.0.0.1", port, strings.ToLower(runtime.Version()), ".go", "goroutine",
		"net/http", "golang", "rampart/internal", "x509", "tls:", "panic"} {
		if strings.Contains(text, leak) {
			t.Errorf("error answer leaks %q:\n%s", leak, all.String())
		}
	}
}
