package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/config"
)

// TestReport: configuration errors print as file:line: field: message lines
// (the same whether validate or serve met them); other errors carry the
// program's name; an exitError was reported by its command already.
func TestReport(t *testing.T) {
	cfgErrs := config.Errors{
		{File: "rampart.yaml", Line: 5, Field: "listen.tls.cert_file", Msg: `"cert.pem" holds no PEM certificate`},
		{File: "rampart.yaml", Line: 9, Field: "admin.token_env", Msg: "environment variable TOKEN is not set"},
	}
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"config errors", cfgErrs, "rampart.yaml:5: listen.tls.cert_file: \"cert.pem\" holds no PEM certificate\n" +
			"rampart.yaml:9: admin.token_env: environment variable TOKEN is not set\n"},
		{"wrapped config errors", fmt.Errorf("starting: %w", cfgErrs[:1]), "rampart.yaml:5: listen.tls.cert_file: \"cert.pem\" holds no PEM certificate\n"},
		{"runtime error", errors.New("server: listening: address already in use"), "rampart: server: listening: address already in use\n"},
		{"already reported", exitError{code: 1}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			report(&out, tt.err)
			if out.String() != tt.want {
				t.Errorf("report(%v) printed %q, want %q", tt.err, out.String(), tt.want)
			}
		})
	}
}
