package gateway

import (
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

// serverConfigChanged reports listener settings that a reload cannot apply.
func serverConfigChanged(old, cur *config.Config) bool {
	a, b := old.Listen, cur.Listen
	return !reflect.DeepEqual(a, b)
}
