package gateway

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"sync"

	"github.com/rampartsec/rampart/internal/config"
	"github.com/rampartsec/rampart/internal/event"
	"github.com/rampartsec/rampart/internal/pipeline"
)

// newLogger builds the process log: JSON lines on stderr at the configured
// level.
func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level)) // validated by config
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// sinkSet is the access log and event sinks of a running gateway, with the
// files behind them.
type sinkSet struct {
	outcomes []pipeline.OutcomeSink
	events   []pipeline.EventSink
	files    []reopener
}

type reopener interface {
	Reopen() error
	Close() error
}

// reopen reopens every log file (after rotation).
func (s *sinkSet) reopen() error {
	var errs []error
	for _, f := range s.files {
		errs = append(errs, f.Reopen())
	}
	return errors.Join(errs...)
}

func (s *sinkSet) close() {
	for _, f := range s.files {
		_ = f.Close()
	}
}

// openSinks opens the access log and the event sink named in cfg.
func openSinks(cfg *config.Config, stdout, stderr io.Writer) (*sinkSet, error) {
	s := &sinkSet{}
	switch target := cfg.Logging.AccessLog; target {
	case "off":
	case "stdout", "-":
		s.outcomes = append(s.outcomes, event.NewAccessLog(stdout))
	case "stderr":
		s.outcomes = append(s.outcomes, event.NewAccessLog(stderr))
	default:
		f, err := openLogFile(target)
		if err != nil {
			return nil, atField("logging.access_log", openError(err))
		}
		s.files = append(s.files, f)
		s.outcomes = append(s.outcomes, event.NewAccessLog(f))
	}
	switch target := cfg.Events.File; target {
	case "off":
	case "stdout", "-":
		s.events = append(s.events, event.NewJSONL(stdout))
	case "stderr":
		s.events = append(s.events, event.NewJSONL(stderr))
	default:
		j, err := event.OpenJSONL(target)
		if err != nil {
			s.close()
			return nil, atField("events.file", openError(err))
		}
		s.files = append(s.files, j)
		s.events = append(s.events, j)
	}
	return s, nil
}

// checkSinks checks, without keeping anything open, that openSinks can
// open the log files cfg names.
func checkSinks(cfg *config.Config) config.Errors {
	var errs config.Errors
	for _, f := range []struct{ field, target string }{
		{"logging.access_log", cfg.Logging.AccessLog},
		{"events.file", cfg.Events.File},
	} {
		if isLogFile(f.target) {
			if err := probeAppend(f.target); err != nil {
				errs = append(errs, cfg.FieldError(f.field, openError(err).Error()))
			}
		}
	}
	return errs
}

// logFile is an append-only file that can be reopened after rotation.
type logFile struct {
	path string
	mu   sync.Mutex
	f    *os.File
}

// Access logs hold client addresses and user ids: private to the user.
const logFileMode = 0o600

func openLogFile(path string) (*logFile, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, logFileMode)
	if err != nil {
		return nil, err
	}
	return &logFile{path: path, f: f}, nil
}

func (l *logFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return 0, os.ErrClosed
	}
	return l.f.Write(p)
}

// Reopen opens the path again and swaps the file; on failure the old file
// keeps receiving writes.
func (l *logFile) Reopen() error {
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, logFileMode)
	if err != nil {
		return err
	}
	l.mu.Lock()
	old := l.f
	l.f = f
	l.mu.Unlock()
	if old != nil {
		return old.Close()
	}
	return nil
}

func (l *logFile) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
