package server

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestErrorLogLevels(t *testing.T) {
	tests := []struct {
		line string
		want slog.Level
	}{
		{line: "http: TLS handshake error from 192.0.2.1:5555: tls: client offered only unsupported versions: [302 301]", want: slog.LevelDebug},
		{line: "http2: server: error reading preface from client 192.0.2.1:5555: EOF", want: slog.LevelDebug},
		{line: "http2: server connection error from 192.0.2.1:5555: connection error: COMPRESSION_ERROR", want: slog.LevelDebug},
		{line: "http: panic serving 192.0.2.1:5555: boom", want: slog.LevelError},
		{line: "http: Accept error: too many open files; retrying in 5ms", want: slog.LevelWarn},
		{line: "http: superfluous response.WriteHeader call", want: slog.LevelWarn},
	}
	for _, tt := range tests {
		if got := errorLogLevel(tt.line); got != tt.want {
			t.Errorf("errorLogLevel(%q) = %s, want %s", tt.line, got, tt.want)
		}
	}
}

func TestErrorLogForwardsToSlog(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	newErrorLog(logger, "https").Printf("http: TLS handshake error from 192.0.2.1:1: EOF")
	out := buf.String()
	for _, want := range []string{"level=DEBUG", "listener=https", "TLS handshake error"} {
		if !strings.Contains(out, want) {
			t.Errorf("log %q lacks %q", out, want)
		}
	}
}
