package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// JSONLSink writes each Event as one ECS JSON object on its own line. It is
// safe for concurrent use: lines are encoded in parallel and written one
// whole line per Write under a mutex, so a tailing SIEM never sees two
// events interleaved.
//
// Each line goes straight to the underlying writer (no buffering), so an
// event is on disk as soon as WriteEvent returns and a crash loses nothing
// already reported. A bufio.Writer would also make one failed write poison
// every later one (its errors are sticky); here a transient failure (disk
// full) loses only the events written while it lasts, each counted by Errors.
type JSONLSink struct {
	mu     sync.Mutex
	w      io.Writer
	file   *os.File // owned file, closed by Close; nil for stdout or a caller's writer
	path   string   // for Reopen; "" when not opened by path
	errs   atomic.Uint64
	bufs   sync.Pool
	now    func() time.Time
	closed bool
}

var _ pipeline.EventSink = (*JSONLSink)(nil)

// jsonlFileMode keeps event logs private to the gateway's user: they hold
// client addresses, user ids and attack evidence.
const jsonlFileMode = 0o600

// maxPooledBuffer bounds the encode buffers kept for reuse.
const maxPooledBuffer = 64 << 10

// NewJSONL returns a sink writing to w. The caller owns w; Close does not
// close it.
func NewJSONL(w io.Writer) *JSONLSink {
	return &JSONLSink{w: w, now: time.Now}
}

// OpenJSONL opens path for appending (creating it with mode 0600) and returns
// a sink writing to it. "-" or "stdout" writes to standard output.
func OpenJSONL(path string) (*JSONLSink, error) {
	switch path {
	case "":
		return nil, errors.New("event: jsonl path is empty")
	case "-", "stdout":
		return NewJSONL(os.Stdout), nil
	}
	f, err := openAppend(path)
	if err != nil {
		return nil, err
	}
	s := NewJSONL(f)
	s.file, s.path = f, path
	return s, nil
}

func openAppend(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, jsonlFileMode)
	if err != nil {
		return nil, fmt.Errorf("event: opening jsonl file: %w", err)
	}
	return f, nil
}

// WriteEvent encodes e and writes it as one line. A failure is counted,
// never returned or panicked: losing a log line must not stop the gateway.
func (s *JSONLSink) WriteEvent(e *pipeline.Event) {
	buf, _ := s.bufs.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	buf.Reset()
	defer func() {
		// Do not keep a buffer grown by one huge event alive in the pool.
		if buf.Cap() <= maxPooledBuffer {
			s.bufs.Put(buf)
		}
	}()

	enc := json.NewEncoder(buf)
	// Events are read by SIEMs, not browsers: keep <, > and & readable.
	enc.SetEscapeHTML(false)
	// Encode terminates the object with '\n' and escapes every control
	// character inside strings, so an attacker's newline in a path or
	// evidence value cannot start a forged line (CWE-117).
	if err := enc.Encode(toECS(e, s.now())); err != nil {
		s.errs.Add(1)
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		s.errs.Add(1)
		return
	}
	if n, err := s.w.Write(buf.Bytes()); err != nil || n != buf.Len() {
		s.errs.Add(1)
	}
}

// Errors returns how many events could not be written.
func (s *JSONLSink) Errors() uint64 { return s.errs.Load() }

// Reopen closes and reopens the file the sink was opened on, for log
// rotation (call it on SIGHUP after logrotate moved the file). It is a no-op
// for stdout and caller-owned writers.
func (s *JSONLSink) Reopen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.file == nil || s.closed {
		return nil
	}
	f, err := openAppend(s.path)
	if err != nil {
		return err
	}
	old := s.file
	s.file, s.w = f, f
	if err := old.Close(); err != nil {
		return fmt.Errorf("event: closing rotated jsonl file: %w", err)
	}
	return nil
}

// Close closes a file opened by OpenJSONL; later events are counted as
// errors. Every line was already written, so there is nothing to flush.
func (s *JSONLSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.file == nil {
		return nil
	}
	if err := s.file.Close(); err != nil {
		return fmt.Errorf("event: closing jsonl file: %w", err)
	}
	return nil
}
