package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Listener names used in logs.
const (
	listenerHTTP  = "http"
	listenerHTTPS = "https"
)

type serverState int

const (
	stateNew serverState = iota
	stateStarted
	stateStopped
)

// Server is Rampart's set of client-facing listeners around one handler.
// Create it with [New], then [Server.Start]; all methods are safe for
// concurrent use.
type Server struct {
	cfg       Config // defaults applied, validated
	logger    *slog.Logger
	handler   handlerSwitch
	certs     *certStore  // nil without HTTPS
	tlsConfig *tls.Config // nil without HTTPS
	conns     *connCounter

	mu        sync.Mutex
	state     serverState
	servers   []*http.Server
	httpAddr  string
	httpsAddr string
	serveErr  error         // first unexpected Serve error
	done      chan struct{} // closed when every Serve goroutine has returned
}

// New validates cfg, loads certificates and CA bundles, and returns a
// Server that is not yet listening. Errors name the offending Config field.
// A nil logger discards logs.
func New(cfg Config, handler http.Handler, logger *slog.Logger) (*Server, error) {
	if handler == nil {
		return nil, errors.New("server: handler must not be nil")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Server{
		cfg:    cfg,
		logger: logger,
		conns:  newConnCounter(cfg.MaxConnsPerIP, cfg.Hooks),
		done:   make(chan struct{}),
	}
	s.handler.store(handler)

	if cfg.HTTPSAddr != "" {
		if err := s.initTLS(); err != nil {
			return nil, fmt.Errorf("server config: %w", err)
		}
	}
	return s, nil
}

// initTLS loads or generates the certificate and builds the tls.Config.
func (s *Server) initTLS() error {
	now := time.Now()
	if s.cfg.DevTLS {
		cert, err := generateDevCertificate(now)
		if err != nil {
			return err
		}
		s.certs = newStaticCertStore(cert)
		s.logger.Warn("DevTLS: serving a generated self-signed certificate; for development only, never in production",
			"dns_names", cert.Leaf.DNSNames, "ip_addresses", cert.Leaf.IPAddresses, "not_after", cert.Leaf.NotAfter)
	} else {
		certs, err := newFileCertStore(s.cfg.CertFile, s.cfg.KeyFile)
		if err != nil {
			return err
		}
		s.certs = certs
		s.logCertificate("loaded TLS certificate", certs.leaf(), now)
	}
	tc, err := newTLSConfig(s.cfg, s.certs)
	if err != nil {
		return err
	}
	s.tlsConfig = tc
	return nil
}

// logCertificate logs a certificate's identity and warns if it is not
// currently valid (clients will refuse it, but refusing to start would turn
// a renewal slip into an outage of the plain-HTTP listener too).
func (s *Server) logCertificate(msg string, leaf *x509.Certificate, now time.Time) {
	attrs := []any{"subject", leaf.Subject.String(), "dns_names", leaf.DNSNames, "not_after", leaf.NotAfter}
	if problem := expiryProblem(leaf, now); problem != "" {
		s.logger.Warn(msg+": "+problem, attrs...)
		return
	}
	s.logger.Info(msg, attrs...)
}

// Start binds the configured listeners and serves them in background
// goroutines. Bind errors (address in use, permission) are returned before
// anything is served; on error no listener is left open. Start may be
// called once.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.state {
	case stateStarted:
		return errors.New("server: already started")
	case stateStopped:
		return errors.New("server: already shut down")
	}

	var httpLn, httpsLn net.Listener
	if s.cfg.HTTPAddr != "" {
		ln, err := net.Listen("tcp", s.cfg.HTTPAddr)
		if err != nil {
			return fmt.Errorf("server: HTTPAddr %q: listening: %w", s.cfg.HTTPAddr, err)
		}
		httpLn = ln
	}
	if s.cfg.HTTPSAddr != "" {
		ln, err := net.Listen("tcp", s.cfg.HTTPSAddr)
		if err != nil {
			if httpLn != nil {
				_ = httpLn.Close()
			}
			return fmt.Errorf("server: HTTPSAddr %q: listening: %w", s.cfg.HTTPSAddr, err)
		}
		httpsLn = ln
	}

	var serves []func() error
	if httpsLn != nil {
		var h http.Handler = s.capHeaders(&s.handler)
		if s.cfg.HSTS.Enabled {
			h = hstsHandler{value: s.cfg.HSTS.value(), next: h}
		}
		srv := s.newHTTPServer(listenerHTTPS, h)
		srv.TLSConfig = s.tlsConfig
		srv.Protocols = new(http.Protocols)
		srv.Protocols.SetHTTP1(true)
		srv.Protocols.SetHTTP2(true)
		ln := &limitListener{Listener: httpsLn, counter: s.conns}
		s.servers = append(s.servers, srv)
		s.httpsAddr = httpsLn.Addr().String()
		// Certificates come from TLSConfig.GetCertificate, hence no files here.
		serves = append(serves, func() error { return srv.ServeTLS(ln, "", "") })
	}
	if httpLn != nil {
		var h http.Handler = &s.handler
		if s.cfg.RedirectHTTP {
			_, port, err := net.SplitHostPort(s.httpsAddr)
			if err != nil { // cannot happen for a TCP listener; fail closed
				_ = httpLn.Close()
				_ = httpsLn.Close()
				return fmt.Errorf("server: HTTPSAddr: parsing bound address %q: %w", s.httpsAddr, err)
			}
			h = redirectHandler{httpsPort: port}
		}
		srv := s.newHTTPServer(listenerHTTP, s.capHeaders(h))
		// Plain HTTP/1.1 only: no unencrypted HTTP/2 (h2c) upgrade surface.
		srv.Protocols = new(http.Protocols)
		srv.Protocols.SetHTTP1(true)
		ln := &limitListener{Listener: httpLn, counter: s.conns, problemErrors: true}
		s.servers = append(s.servers, srv)
		s.httpAddr = httpLn.Addr().String()
		serves = append(serves, func() error { return srv.Serve(ln) })
	}

	var wg sync.WaitGroup
	for _, serve := range serves {
		wg.Go(func() {
			if err := serve(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.logger.Error("listener stopped", "error", err)
				s.mu.Lock()
				if s.serveErr == nil {
					s.serveErr = err
				}
				s.mu.Unlock()
			}
		})
	}
	go func() {
		wg.Wait()
		close(s.done)
	}()
	s.state = stateStarted
	if s.httpsAddr != "" {
		s.logger.Info("listening", "listener", listenerHTTPS, "addr", s.httpsAddr,
			"min_tls", s.cfg.MinTLSVersion, "client_auth", s.cfg.ClientAuth, "hsts", s.cfg.HSTS.Enabled)
	}
	if s.httpAddr != "" {
		s.logger.Info("listening", "listener", listenerHTTP, "addr", s.httpAddr, "redirect_to_https", s.cfg.RedirectHTTP)
	}
	return nil
}

// newHTTPServer applies the shared limits and timeouts.
func (s *Server) newHTTPServer(name string, h http.Handler) *http.Server {
	return &http.Server{
		Handler: h,
		// The TLS handshake deadline is also derived from these (the
		// smallest non-zero of ReadHeader/Read/WriteTimeout).
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       timeoutOrNone(s.cfg.ReadTimeout),
		WriteTimeout:      timeoutOrNone(s.cfg.WriteTimeout),
		IdleTimeout:       s.cfg.IdleTimeout,
		// Also caps HTTP/2 header lists (SETTINGS_MAX_HEADER_LIST_SIZE).
		// Above the configured cap, which capHeaders enforces: see headercap.go.
		MaxHeaderBytes: netHTTPHeaderLimit(s.cfg.MaxHeaderBytes),
		ErrorLog:       newErrorLog(s.logger, name),
	}
}

// capHeaders enforces MaxHeaderBytes in front of h, with a problem+json 431.
func (s *Server) capHeaders(h http.Handler) http.Handler {
	return headerCapHandler{max: s.cfg.MaxHeaderBytes, next: h}
}

// Wait blocks until every listener has stopped serving and returns the
// first unexpected serving error, or nil after a Shutdown. It returns an
// error at once if the Server was never started.
func (s *Server) Wait() error {
	s.mu.Lock()
	started := len(s.servers) > 0 // set only by a successful Start
	s.mu.Unlock()
	if !started {
		return errors.New("server: not started")
	}
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.serveErr
}

// Shutdown stops accepting connections and waits for in-flight requests to
// finish, bounded by ctx and Config.ShutdownTimeout, whichever ends first.
// Connections still active then are closed and the deadline error returned.
// Shutdown before Start, or a second Shutdown, does nothing.
// Hijacked connections (e.g. WebSockets) are not tracked by net/http and
// must be closed by whoever hijacked them.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	prev := s.state
	s.state = stateStopped
	servers := s.servers
	s.mu.Unlock()
	if prev != stateStarted {
		return nil
	}

	ctx, cancel := context.WithTimeout(ctx, s.cfg.ShutdownTimeout)
	defer cancel()
	errs := make([]error, len(servers))
	var wg sync.WaitGroup
	for i, srv := range servers {
		wg.Go(func() {
			if err := srv.Shutdown(ctx); err != nil {
				_ = srv.Close()
				errs[i] = fmt.Errorf("server: graceful shutdown: %w", err)
			}
		})
	}
	wg.Wait()
	<-s.done
	if err := errors.Join(errs...); err != nil {
		s.logger.Warn("shutdown deadline reached; remaining connections closed", "error", err)
		return err
	}
	s.logger.Info("shut down gracefully")
	return nil
}

// ReloadCertificates re-reads CertFile and KeyFile (call it on SIGHUP). New
// handshakes use the new certificate; established connections keep theirs.
// If the files are unreadable, malformed or do not match, the current
// certificate stays in service and the error is returned. Without
// certificate files (no HTTPS, or DevTLS) it does nothing.
func (s *Server) ReloadCertificates() error {
	if s.certs == nil {
		return nil
	}
	reloaded, err := s.certs.reload()
	if err != nil {
		s.logger.Error("TLS certificate reload failed; keeping the current certificate", "error", err)
		return fmt.Errorf("server: reloading certificates: %w", err)
	}
	if reloaded {
		s.logCertificate("reloaded TLS certificate", s.certs.leaf(), time.Now())
	}
	return nil
}

// Certificate returns the leaf certificate currently served on HTTPS (the
// generated one under DevTLS), or nil without HTTPS.
func (s *Server) Certificate() *x509.Certificate {
	if s.certs == nil {
		return nil
	}
	return s.certs.leaf()
}

// SetHandler atomically replaces the handler for requests that start after
// the call; in-flight requests finish on the old one. A nil h makes every
// request answer 503 and is logged as an error.
func (s *Server) SetHandler(h http.Handler) {
	if h == nil {
		s.logger.Error("SetHandler called with a nil handler; answering 503 until replaced")
		h = http.HandlerFunc(unavailableHandler)
	}
	s.handler.store(h)
}

// HTTPAddr returns the bound plain-HTTP address (host:port, with the real
// port when configured as ":0"), or "" before Start or without HTTP.
func (s *Server) HTTPAddr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.httpAddr
}

// HTTPSAddr returns the bound HTTPS address, or "" before Start or
// without HTTPS.
func (s *Server) HTTPSAddr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.httpsAddr
}

// RejectedConns returns how many connections were closed for exceeding
// MaxConnsPerIP since New.
func (s *Server) RejectedConns() uint64 { return s.conns.rejected.Load() }

// OpenConns returns the number of currently open client connections on
// all listeners.
func (s *Server) OpenConns() int64 { return s.conns.open.Load() }
