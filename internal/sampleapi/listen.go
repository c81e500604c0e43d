package sampleapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// ErrNotLoopback is returned by Start for an address outside loopback: the
// sample API is vulnerable by design and must never face a network.
var ErrNotLoopback = errors.New("sample api listens on loopback only")

// shutdownGrace is how long Close waits for in-flight requests.
const shutdownGrace = 5 * time.Second

// Server is a running sample API on a loopback listener.
type Server struct {
	api     *API
	srv     *http.Server
	url     string
	cancel  context.CancelFunc // ends every request context
	served  chan struct{}      // closed when Serve returns
	closing chan struct{}      // closed by Close; ends the ctx watcher

	closeOnce sync.Once
	closeErr  error
}

// Start builds an API from cfg and serves it on addr, which must be a
// loopback address ("127.0.0.1:0" picks a free port; "localhost" means
// 127.0.0.1). It returns once the listener is bound. The server stops when
// ctx is done or Close is called.
func Start(ctx context.Context, cfg Config, addr string) (*Server, error) {
	bind, err := loopbackAddr(addr)
	if err != nil {
		return nil, err
	}
	api, err := New(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := new(net.ListenConfig).Listen(ctx, "tcp", bind)
	if err != nil {
		_ = api.Close()
		return nil, fmt.Errorf("listening on %s: %w", bind, err)
	}
	base, cancel := context.WithCancel(context.Background())
	s := &Server{
		api:     api,
		url:     "http://" + ln.Addr().String(),
		cancel:  cancel,
		served:  make(chan struct{}),
		closing: make(chan struct{}),
		srv: &http.Server{
			Handler:           api.Handler(),
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       60 * time.Second,
			MaxHeaderBytes:    64 << 10,
			BaseContext:       func(net.Listener) context.Context { return base },
			ErrorLog:          slog.NewLogLogger(api.log.Handler(), slog.LevelWarn),
		},
	}
	go func() {
		defer close(s.served)
		if err := s.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			api.log.Error("sample api stopped serving", "err", err)
		}
	}()
	go func() {
		select {
		case <-ctx.Done():
			_ = s.Close()
		case <-s.closing:
		}
	}()
	return s, nil
}

// URL returns the base URL, such as "http://127.0.0.1:41234".
func (s *Server) URL() string { return s.url }

// API returns the served API.
func (s *Server) API() *API { return s.api }

// Close stops the server: it ends streaming and long requests, waits up to
// five seconds for the rest, and releases the database. It is safe to call
// more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		close(s.closing)
		s.cancel()
		ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		err := s.srv.Shutdown(ctx)
		if err != nil {
			err = errors.Join(err, s.srv.Close())
		}
		<-s.served
		s.closeErr = errors.Join(err, s.api.Close())
	})
	return s.closeErr
}

// loopbackAddr checks that addr is host:port with a loopback IP host (or
// "localhost") and returns the address to bind. Names other than localhost
// are refused rather than resolved: DNS could point them anywhere.
func loopbackAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("parsing listen address %q: %w", addr, err)
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.Unmap().IsLoopback() || ip.Zone() != "" {
		return "", fmt.Errorf("listen address %q: %w", addr, ErrNotLoopback)
	}
	return net.JoinHostPort(ip.Unmap().String(), port), nil
}
