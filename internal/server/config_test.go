package server

import (
	"crypto/tls"
	"reflect"
	"strings"
	"testing"
	"time"
)

func containsField(err error, field string) bool {
	return err != nil && strings.Contains(err.Error(), field)
}

func TestConfigDefaults(t *testing.T) {
	got := Config{}.withDefaults()
	want := Config{
		MinTLSVersion:     "1.2",
		HSTS:              HSTS{MaxAgeSeconds: 31536000},
		ClientAuth:        "none",
		MaxHeaderBytes:    32 << 10,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxConnsPerIP:     256,
		ShutdownTimeout:   30 * time.Second,
	}
	// Hooks holds funcs, so compare with DeepEqual (nil funcs are equal).
	if !reflect.DeepEqual(got, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", got, want)
	}
}

func TestConfigValidate(t *testing.T) {
	tls := func(c Config) Config { c.HTTPSAddr = ":0"; c.CertFile = "c.pem"; c.KeyFile = "k.pem"; return c }
	tests := []struct {
		name      string
		cfg       Config
		wantField string // "": valid
	}{
		{name: "http only", cfg: Config{HTTPAddr: ":0"}},
		{name: "https with files", cfg: tls(Config{})},
		{name: "https dev", cfg: Config{HTTPSAddr: ":0", DevTLS: true}},
		{name: "redirect", cfg: tls(Config{HTTPAddr: ":0", RedirectHTTP: true})},
		{name: "mtls require", cfg: tls(Config{ClientAuth: "require", ClientCAFile: "ca.pem"})},
		{name: "tls 1.3", cfg: tls(Config{MinTLSVersion: "1.3"})},
		{name: "unlimited conns and streaming", cfg: Config{HTTPAddr: ":0", MaxConnsPerIP: -1, WriteTimeout: -1, ReadTimeout: -1}},

		{name: "no listener", cfg: Config{}, wantField: "HTTPAddr or HTTPSAddr"},
		{name: "cert without key", cfg: Config{HTTPSAddr: ":0", CertFile: "c.pem"}, wantField: "CertFile and KeyFile"},
		{name: "key without cert", cfg: Config{HTTPSAddr: ":0", KeyFile: "k.pem"}, wantField: "CertFile and KeyFile"},
		{name: "dev with files", cfg: tls(Config{DevTLS: true}), wantField: "DevTLS"},
		{name: "https without cert", cfg: Config{HTTPSAddr: ":0"}, wantField: "HTTPSAddr"},
		{name: "cert without https", cfg: Config{HTTPAddr: ":0", CertFile: "c", KeyFile: "k"}, wantField: "HTTPSAddr is empty"},
		{name: "tls 1.1", cfg: tls(Config{MinTLSVersion: "1.1"}), wantField: "MinTLSVersion"},
		{name: "tls garbage", cfg: tls(Config{MinTLSVersion: "TLS1.2"}), wantField: "MinTLSVersion"},
		{name: "client auth unknown", cfg: tls(Config{ClientAuth: "optional"}), wantField: "ClientAuth"},
		{name: "require without CA", cfg: tls(Config{ClientAuth: "require"}), wantField: "ClientCAFile"},
		{name: "CA without client auth", cfg: tls(Config{ClientCAFile: "ca.pem"}), wantField: "ClientCAFile"},
		{name: "client auth without https", cfg: Config{HTTPAddr: ":0", ClientAuth: "request", ClientCAFile: "ca"}, wantField: "ClientAuth"},
		{name: "redirect without https", cfg: Config{HTTPAddr: ":0", RedirectHTTP: true}, wantField: "RedirectHTTP"},
		{name: "redirect without http", cfg: tls(Config{RedirectHTTP: true}), wantField: "RedirectHTTP"},
		{name: "negative hsts", cfg: tls(Config{HSTS: HSTS{Enabled: true, MaxAgeSeconds: -1}}), wantField: "HSTS.MaxAgeSeconds"},
		{name: "negative header bytes", cfg: Config{HTTPAddr: ":0", MaxHeaderBytes: -1}, wantField: "MaxHeaderBytes"},
		{name: "negative header timeout", cfg: Config{HTTPAddr: ":0", ReadHeaderTimeout: -1}, wantField: "ReadHeaderTimeout"},
		{name: "negative idle timeout", cfg: Config{HTTPAddr: ":0", IdleTimeout: -1}, wantField: "IdleTimeout"},
		{name: "negative shutdown timeout", cfg: Config{HTTPAddr: ":0", ShutdownTimeout: -1}, wantField: "ShutdownTimeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.withDefaults().validate()
			switch {
			case tt.wantField == "" && err != nil:
				t.Errorf("validate: %v, want nil", err)
			case tt.wantField != "" && !containsField(err, tt.wantField):
				t.Errorf("validate: %v, want an error naming %q", err, tt.wantField)
			}
		})
	}
}

func TestNewRejectsNilHandler(t *testing.T) {
	if _, err := New(Config{HTTPAddr: ":0"}, nil, nil); err == nil {
		t.Fatal("New(nil handler) succeeded, want error")
	}
}

func FuzzParseTLSVersion(f *testing.F) {
	for _, s := range []string{"1.2", "1.3", "1.1", "1.0", "", "TLS1.2", "1.2 ", "\x00", "1.20"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseTLSVersion(s)
		switch {
		case err != nil:
			if v != 0 {
				t.Errorf("parseTLSVersion(%q) = %d with error", s, v)
			}
		case s == "1.2" && v == tls.VersionTLS12, s == "1.3" && v == tls.VersionTLS13:
		default:
			t.Errorf("parseTLSVersion(%q) = %#x, want an error", s, v)
		}
	})
}

func FuzzParseClientAuth(f *testing.F) {
	for _, s := range []string{"none", "request", "require", "", "REQUIRE", "verify"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		mode, err := parseClientAuth(s)
		if err != nil {
			return
		}
		// Every accepted mode other than none must verify certificates.
		switch mode {
		case tls.NoClientCert, tls.VerifyClientCertIfGiven, tls.RequireAndVerifyClientCert:
		default:
			t.Errorf("parseClientAuth(%q) = %v, an unverified mode", s, mode)
		}
	})
}

// FuzzConfigValidate checks that validation never panics and that any
// config it accepts is coherent enough for New's later steps.
func FuzzConfigValidate(f *testing.F) {
	f.Add(":8080", ":8443", "c.pem", "k.pem", false, "1.2", "none", "", true, 0, int64(0), 0)
	f.Add("", ":0", "", "", true, "1.3", "require", "ca.pem", false, -1, int64(-1), -5)
	f.Add("", "", "x", "", true, "1.1", "bogus", "ca", true, 1<<20, int64(time.Second), 3)
	f.Fuzz(func(t *testing.T, httpAddr, httpsAddr, certFile, keyFile string, devTLS bool,
		minTLS, clientAuth, caFile string, redirect bool, maxHeader int, timeout int64, maxConns int) {
		cfg := Config{
			HTTPAddr: httpAddr, HTTPSAddr: httpsAddr, CertFile: certFile, KeyFile: keyFile, DevTLS: devTLS,
			MinTLSVersion: minTLS, ClientAuth: clientAuth, ClientCAFile: caFile, RedirectHTTP: redirect,
			MaxHeaderBytes: maxHeader, ReadHeaderTimeout: time.Duration(timeout), WriteTimeout: time.Duration(timeout),
			MaxConnsPerIP: maxConns, HSTS: HSTS{Enabled: true, MaxAgeSeconds: maxConns},
		}.withDefaults()
		if err := cfg.validate(); err != nil {
			return
		}
		if _, err := parseTLSVersion(cfg.MinTLSVersion); err != nil {
			t.Errorf("accepted MinTLSVersion %q: %v", cfg.MinTLSVersion, err)
		}
		if _, err := parseClientAuth(cfg.ClientAuth); err != nil {
			t.Errorf("accepted ClientAuth %q: %v", cfg.ClientAuth, err)
		}
		if cfg.HTTPSAddr != "" && !cfg.DevTLS && (cfg.CertFile == "" || cfg.KeyFile == "") {
			t.Error("accepted HTTPS without a certificate source")
		}
		if cfg.MaxHeaderBytes <= 0 || cfg.ReadHeaderTimeout <= 0 || cfg.HSTS.MaxAgeSeconds <= 0 {
			t.Errorf("accepted a disabled limit: %+v", cfg)
		}
	})
}
