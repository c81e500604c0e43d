package audit

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

// A crash (SIGKILL, power loss, OOM kill) can leave the last segment ending
// in part of a record: the writer writes whole batches, but a write cut
// short by the crash, or a power loss before the kernel flushed every page,
// leaves a line without its newline. Open cuts that tail, records what it
// cut (offset, length, SHA-256 of the bytes) in a "recovered" record and an
// "audit.recovered" Event, and carries on the chain from the last complete
// record. Nothing acknowledged is cut: a record is acknowledged only after
// its whole line, newline included, was written (and, with fsync always,
// fsynced).

// Previous-run states recorded in the start record.
const (
	previousNone    = "none"    // a new log
	previousClean   = "clean"   // the last run wrote its stop record
	previousUnclean = "unclean" // the last run crashed or was killed
)

// tailState is where the chain stands after recovery.
type tailState struct {
	// seg is the last segment (name "" for a new log) and size its length
	// after any cut.
	seg  segmentInfo
	size int64
	// next and head are the next sequence number and the last record's hash.
	next uint64
	head [sha256.Size]byte
	// segStart is the time of the segment's first record, for SegmentMaxAge.
	segStart time.Time
	previous string
	cut      *cutInfo
}

// cutInfo is the data of a recovered record.
type cutInfo struct {
	Segment string `json:"segment"`
	Offset  int64  `json:"offset"`
	Bytes   int64  `json:"bytes"`
	SHA256  string `json:"sha256"`
	LastSeq uint64 `json:"last_seq"`
}

// recoverTail cuts a torn last record and finds the chain head. Trailing
// segments without a complete record are removed so the next segment is
// named after the right sequence number. A last record that is complete
// but does not parse is not cut (that is damage, not a crash): Open fails
// and says to run verify.
func recoverTail(dir string) (tailState, error) {
	st := tailState{next: 1, previous: previousNone}
	segs, _, err := listSegments(os.DirFS(dir))
	if err != nil {
		return st, fmt.Errorf("audit: listing %s: %w", dir, err)
	}
	for len(segs) > 0 {
		s := segs[len(segs)-1]
		if s.statErr != nil {
			return st, fmt.Errorf("audit: segment %s: %w", s.name, s.statErr)
		}
		path := segmentPath(dir, s.name)
		tail, size, cut, err := cutTornTail(path)
		if err != nil {
			return st, err
		}
		if cut != nil && st.cut == nil {
			st.cut = cut
		}
		if size == 0 {
			if err := os.Remove(path); err != nil {
				return st, fmt.Errorf("audit: removing empty segment: %w", err)
			}
			if err := syncDir(dir); err != nil {
				return st, fmt.Errorf("audit: syncing %s: %w", dir, err)
			}
			segs = segs[:len(segs)-1]
			continue
		}
		last, before := lastTwoLines(tail)
		p, err := parseLine(last)
		if err != nil {
			return st, fmt.Errorf("audit: the last record of %s does not parse (%v): refusing to extend a damaged chain; inspect it with rampart audit verify", s.name, err)
		}
		st.seg, st.size = s, size
		st.next, st.head = p.rec.Seq+1, p.hash
		st.previous = previousUnclean
		if p.rec.Kind == KindStop {
			st.previous = previousClean
		} else if p.rec.Kind == KindCheckpoint && before != nil {
			if b, err := parseLine(before); err == nil && b.rec.Kind == KindStop {
				st.previous = previousClean
			}
		}
		st.segStart = s.modTime
		if first, err := firstRecord(os.DirFS(dir), s.name); err == nil {
			st.segStart = first.time
		}
		if st.cut != nil {
			st.cut.LastSeq = p.rec.Seq
		}
		return st, nil
	}
	return st, nil
}

// cutTornTail truncates path after its last newline, returning the complete
// lines at the end of the file (newline-terminated, up to two maximal
// lines' worth) and the new size.
func cutTornTail(path string) (tail []byte, size int64, cut *cutInfo, err error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, 0, nil, fmt.Errorf("audit: opening last segment: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, 0, nil, fmt.Errorf("audit: examining last segment: %w", err)
	}
	size = info.Size()
	n := min(size, 2*maxLineBytes+2)
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, size-n); err != nil && !errors.Is(err, io.EOF) {
		return nil, 0, nil, fmt.Errorf("audit: reading last segment: %w", err)
	}
	nl := bytes.LastIndexByte(buf, '\n')
	if nl < 0 && n < size {
		return nil, 0, nil, fmt.Errorf("audit: %s ends in a line longer than %d bytes", info.Name(), maxLineBytes)
	}
	end := size - n + int64(nl) + 1
	if end < size {
		sum := sha256.Sum256(buf[nl+1:])
		cut = &cutInfo{Segment: info.Name(), Offset: end, Bytes: size - end, SHA256: hex.EncodeToString(sum[:])}
		if err := f.Truncate(end); err != nil {
			return nil, 0, nil, fmt.Errorf("audit: cutting torn record: %w", err)
		}
		if err := f.Sync(); err != nil {
			return nil, 0, nil, fmt.Errorf("audit: syncing cut segment: %w", err)
		}
	}
	return buf[:nl+1], end, cut, nil
}

// lastTwoLines splits the last two lines off newline-terminated text; before
// is nil when there is no complete earlier line in it.
func lastTwoLines(tail []byte) (last, before []byte) {
	body := tail[:len(tail)-1]
	i := bytes.LastIndexByte(body, '\n')
	last = body[i+1:]
	if i < 0 {
		return last, nil
	}
	j := bytes.LastIndexByte(body[:i], '\n')
	if j < 0 {
		return last, nil
	}
	return last, body[j+1 : i]
}

// firstRecord parses the first line of segment name.
func firstRecord(fsys fs.FS, name string) (parsedLine, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return parsedLine{}, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(io.LimitReader(f, maxLineBytes+1), 64<<10)
	line, err := br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			line, err = readLongLine(br, line)
		}
		if err != nil {
			return parsedLine{}, fmt.Errorf("reading first record of %s: %w", name, err)
		}
	}
	return parseLine(line[:len(line)-1])
}

// readLongLine finishes a line longer than the reader's buffer.
func readLongLine(br *bufio.Reader, start []byte) ([]byte, error) {
	line := append([]byte(nil), start...)
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > maxLineBytes+1 {
			return nil, fmt.Errorf("line longer than %d bytes", maxLineBytes)
		}
		if err == nil {
			return line, nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return nil, err
		}
	}
}
