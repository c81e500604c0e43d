package core

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// maxCanaryTokens bounds the hit counter: the target, not the scan, decides
// which paths are requested, so the map's keys are attacker-controlled.
const maxCanaryTokens = 4096

// Canary is the SSRF callback listener: an HTTP server on loopback that
// counts requests per token. A check puts URL(token) into a parameter the
// target may fetch (a webhook URL, an image URL); Hits(token) > 0 afterwards
// proves the target made the request (OWASP API7:2023). Because it listens
// on 127.0.0.1, it proves SSRF only for targets on the same host (the
// sample API, a local gateway); a remote target cannot reach it.
type Canary struct {
	srv  *http.Server
	base string

	mu   sync.Mutex
	hits map[string]int
}

// Canary returns the scan's callback listener, starting it on first use.
// Close stops it.
func (s *Scan) Canary() (*Canary, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errors.New("scan is closed")
	}
	if s.callback != nil {
		return s.callback, nil
	}
	ln, err := new(net.ListenConfig).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	c := &Canary{base: "http://" + ln.Addr().String(), hits: map[string]int{}}
	c.srv = &http.Server{
		Handler:           http.HandlerFunc(c.serve),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
	go func() { _ = c.srv.Serve(ln) }()
	s.callback = c
	return c, nil
}

// NewToken returns a fresh random token to tell one probe's callback from
// another's.
func (c *Canary) NewToken() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// URL is the address that counts a hit for token: http://127.0.0.1:PORT/c/TOKEN.
// Anything appended after it (a path, a query) still counts for token.
func (c *Canary) URL(token string) string { return c.base + "/c/" + url.PathEscape(token) }

// Hits is the number of requests received for token so far.
func (c *Canary) Hits(token string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits[token]
}

func (c *Canary) serve(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/c/")
	if ok {
		token, _, _ := strings.Cut(rest, "/")
		c.mu.Lock()
		if _, known := c.hits[token]; known || len(c.hits) < maxCanaryTokens {
			c.hits[token]++
		}
		c.mu.Unlock()
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("rampart canary\n"))
}

func (c *Canary) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := c.srv.Shutdown(ctx); err != nil {
		return c.srv.Close()
	}
	return nil
}
