package server

import (
	"context"
	"log"
	"log/slog"
	"strings"
)

// newErrorLog returns a *log.Logger for http.Server.ErrorLog that forwards
// to logger with a level chosen per message.
func newErrorLog(logger *slog.Logger, listener string) *log.Logger {
	return log.New(errorLogWriter{logger: logger, listener: listener}, "", 0)
}

// errorLogWriter adapts net/http's line-oriented error log to slog.
type errorLogWriter struct {
	logger   *slog.Logger
	listener string
}

func (w errorLogWriter) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	w.logger.Log(context.Background(), errorLogLevel(msg), msg, "listener", w.listener)
	return len(p), nil
}

// errorLogLevel classifies a net/http error-log line. Internet-wide
// scanners produce a constant stream of failed TLS handshakes, bogus
// HTTP/2 prefaces and malformed HTTP/2 frames or header blocks (a
// connection error the client caused); they are debug noise, not operator
// warnings. Handler
// panics are errors; everything else (accept errors, misuse of the
// ResponseWriter) is a warning.
func errorLogLevel(msg string) slog.Level {
	switch {
	case strings.Contains(msg, "TLS handshake error"),
		strings.Contains(msg, "error reading preface"),
		strings.Contains(msg, "http2: server: error"),
		strings.Contains(msg, "http2: server connection error"):
		return slog.LevelDebug
	case strings.Contains(msg, "panic serving"):
		return slog.LevelError
	default:
		return slog.LevelWarn
	}
}
