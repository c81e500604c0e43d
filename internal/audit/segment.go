package audit

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Segments are files named "audit-" + the first record's sequence number in
// 20 zero-padded digits + ".jsonl", so name order is chain order. The chain
// runs on across segments: a segment's first record's prev is the hash of
// the previous segment's last record.
const (
	segmentPrefix = "audit-"
	segmentSuffix = ".jsonl"
	segmentDigits = 20
	// lockName is the lock file that keeps a second writer out of a directory.
	lockName = ".lock"
	// segmentMode and dirMode keep the log private: it holds client
	// addresses, user ids and attack evidence.
	segmentMode = 0o600
	dirMode     = 0o700
)

func segmentName(firstSeq uint64) string {
	return fmt.Sprintf("%s%0*d%s", segmentPrefix, segmentDigits, firstSeq, segmentSuffix)
}

// parseSegmentName returns the first sequence number a segment name claims.
func parseSegmentName(name string) (uint64, bool) {
	digits, ok := strings.CutPrefix(name, segmentPrefix)
	if !ok {
		return 0, false
	}
	digits, ok = strings.CutSuffix(digits, segmentSuffix)
	if !ok || len(digits) != segmentDigits {
		return 0, false
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	return n, err == nil
}

// segmentInfo describes one segment file.
type segmentInfo struct {
	name    string
	first   uint64
	size    int64
	modTime time.Time
	// statErr is set when the entry could not be examined (or is not a
	// regular file); readers report it instead of reading.
	statErr error
}

// listSegments lists the segment files of fsys in chain order. Other files
// are returned in others (the lock file excluded).
func listSegments(fsys fs.FS) (segs []segmentInfo, others []string, err error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, nil, err
	}
	for _, e := range entries {
		first, ok := parseSegmentName(e.Name())
		if !ok {
			if e.Name() != lockName {
				others = append(others, e.Name())
			}
			continue
		}
		s := segmentInfo{name: e.Name(), first: first}
		switch info, err := e.Info(); {
		case err != nil:
			s.statErr = err
		case !info.Mode().IsRegular():
			s.statErr = fmt.Errorf("not a regular file (%s)", info.Mode().Type())
		default:
			s.size, s.modTime = info.Size(), info.ModTime()
		}
		segs = append(segs, s)
	}
	slices.SortFunc(segs, func(a, b segmentInfo) int { return strings.Compare(a.name, b.name) })
	return segs, others, nil
}

// segmentFile is what the writer needs of a segment file.
type segmentFile interface {
	io.Writer
	Sync() error
	Truncate(size int64) error
	Close() error
}

var _ segmentFile = (*os.File)(nil)

func openOSFile(name string, flag int, perm os.FileMode) (segmentFile, error) {
	return os.OpenFile(name, flag, perm)
}

// syncDir makes file creations and removals in dir durable (a new segment
// whose directory entry is lost in a crash would lose its records).
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func segmentPath(dir, name string) string { return filepath.Join(dir, name) }
