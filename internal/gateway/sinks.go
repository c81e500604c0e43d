package gateway

import (
	"fmt"
	"io"
	"log/slog"
	"os"

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

// openSinks opens the access log and the event sink named in cfg. The
// returned closer closes any files opened.
func openSinks(cfg *config.Config, stdout, stderr io.Writer) ([]pipeline.OutcomeSink, []pipeline.EventSink, func(), error) {
	var outcomes []pipeline.OutcomeSink
	var events []pipeline.EventSink
	var files []io.Closer
	closeAll := func() {
		for _, f := range files {
			_ = f.Close()
		}
	}
	switch w, err := openTarget(cfg.Logging.AccessLog, stdout, stderr); {
	case err != nil:
		return nil, nil, closeAll, fmt.Errorf("logging.access_log: %w", err)
	case w != nil:
		if c, ok := w.(io.Closer); ok && w != stdout && w != stderr {
			files = append(files, c)
		}
		outcomes = append(outcomes, event.NewAccessLog(w))
	}
	switch cfg.Events.File {
	case "off":
	case "stdout", "-":
		events = append(events, event.NewJSONL(stdout))
	case "stderr":
		events = append(events, event.NewJSONL(stderr))
	default:
		s, err := event.OpenJSONL(cfg.Events.File)
		if err != nil {
			closeAll()
			return nil, nil, func() {}, fmt.Errorf("events.file: %w", err)
		}
		files = append(files, s)
		events = append(events, s)
	}
	return outcomes, events, closeAll, nil
}

// openTarget resolves "stdout", "stderr", "off" or a file path.
func openTarget(target string, stdout, stderr io.Writer) (io.Writer, error) {
	switch target {
	case "off":
		return nil, nil
	case "stdout", "-":
		return stdout, nil
	case "stderr":
		return stderr, nil
	}
	// Access logs hold client addresses and user ids: private to the user.
	return os.OpenFile(target, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
}
