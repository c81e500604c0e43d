package gateway

import (
	"log/slog"
	"net/http"
	"reflect"

	"github.com/rampartsec/rampart/internal/config"
	"github.com/rampartsec/rampart/internal/server"
)

// serverConfig maps the listen section onto the server package's Config.
func serverConfig(cfg *config.Config) server.Config {
	l := cfg.Listen
	sc := server.Config{
		HTTPAddr:          l.HTTP,
		HTTPSAddr:         l.HTTPS,
		CertFile:          l.TLS.CertFile,
		KeyFile:           l.TLS.KeyFile,
		DevTLS:            l.TLS.Dev,
		MinTLSVersion:     l.TLS.MinVersion,
		ClientCAFile:      l.TLS.ClientCAFile,
		ClientAuth:        l.TLS.ClientAuth,
		RedirectHTTP:      l.RedirectHTTP,
		MaxHeaderBytes:    int(l.MaxHeaderBytes),
		ReadHeaderTimeout: l.Timeouts.ReadHeader,
		ReadTimeout:       l.Timeouts.Read,
		WriteTimeout:      l.Timeouts.Write,
		IdleTimeout:       l.Timeouts.Idle,
		MaxConnsPerIP:     l.MaxConnsPerIP,
		ShutdownTimeout:   l.Timeouts.Shutdown,
		HSTS:              server.HSTS{Enabled: l.HSTS.Enabled, MaxAgeSeconds: l.HSTS.MaxAge, IncludeSubDomains: l.HSTS.IncludeSubdomains},
	}
	// In rampart.yaml a zero write timeout means none (streams must not be
	// cut); the server package spells "none" as negative.
	if sc.WriteTimeout == 0 {
		sc.WriteTimeout = -1
	}
	return sc
}

// newServer builds the listeners' server without binding them: it loads
// the certificate and the client CA bundle. The files are read first here,
// so that a failure blames the field naming the file rather than the
// server package's "CertFile / KeyFile".
func newServer(cfg *config.Config, handler http.Handler, log *slog.Logger, hooks server.Hooks) (*server.Server, error) {
	t := cfg.Listen.TLS
	if cfg.Listen.HTTPS != "" && !t.Dev {
		if t.CertFile != "" {
			if err := checkKeyPair("listen.tls.cert_file", t.CertFile, "listen.tls.key_file", t.KeyFile); err != nil {
				return nil, err
			}
		}
		if t.ClientCAFile != "" {
			if _, err := loadCABundle("listen.tls.client_ca_file", t.ClientCAFile); err != nil {
				return nil, err
			}
		}
	}
	sc := serverConfig(cfg)
	sc.Hooks = hooks
	srv, err := server.New(sc, handler, log)
	if err != nil {
		return nil, atFieldTrim("listen", "server config: ", err)
	}
	return srv, nil
}

// restartOnlyChanges names the sections changed between old and cur that a
// reload cannot apply: the listeners, and the admin endpoint, logs and event
// sinks, which are built once at start and outlive a configuration. Reload
// warns about them so an operator is not left believing they took effect.
func restartOnlyChanges(old, cur *config.Config) []string {
	var changed []string
	for _, c := range []struct {
		section  string
		old, cur any
	}{
		{"listen", old.Listen, cur.Listen},
		{"admin", old.Admin, cur.Admin},
		{"logging", old.Logging, cur.Logging},
		{"events", old.Events, cur.Events},
		{"store", old.Store, cur.Store},
		{"bruteforce.token_guessing", old.BruteForce.TokenGuessing, cur.BruteForce.TokenGuessing},
		{"bans.on_denials", old.Bans.OnDenials, cur.Bans.OnDenials},
		{"audit", old.Audit, cur.Audit},
	} {
		if !reflect.DeepEqual(c.old, c.cur) {
			changed = append(changed, c.section)
		}
	}
	return changed
}
