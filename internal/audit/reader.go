package audit

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
)

// lineItem is one line of a segment, or a segment that could not be read.
type lineItem struct {
	seg      string
	segFirst uint64 // the first seq the segment's name claims
	line     int    // 1-based; 0 for a segment-level error
	b        []byte // the line without its newline; owned by the item
	// torn: the file ended without a newline after b.
	torn bool
	// tooLong: the line exceeded maxLineBytes; b is nil.
	tooLong bool
	// err: the segment could not be opened or read.
	err error
}

// segmentReader streams the lines of every segment in chain order. Lines
// are read with a bounded buffer: a corrupt segment with no newlines costs
// at most maxLineBytes of memory, never the file's size.
type segmentReader struct {
	fsys fs.FS
	segs []segmentInfo
	i    int
	cur  fs.File
	br   *bufio.Reader
	seg  segmentInfo
	line int
}

func newSegmentReader(fsys fs.FS, segs []segmentInfo) *segmentReader {
	return &segmentReader{fsys: fsys, segs: segs}
}

// next returns the next line or segment error; false at the end.
func (r *segmentReader) next() (lineItem, bool) {
	for {
		if r.br == nil {
			if r.i >= len(r.segs) {
				return lineItem{}, false
			}
			s := r.segs[r.i]
			r.i++
			if s.statErr != nil {
				return lineItem{seg: s.name, segFirst: s.first, err: s.statErr}, true
			}
			f, err := r.fsys.Open(s.name)
			if err != nil {
				return lineItem{seg: s.name, segFirst: s.first, err: err}, true
			}
			r.cur, r.seg, r.line = f, s, 0
			r.br = bufio.NewReaderSize(f, 64<<10)
		}
		b, tooLong, err := readLine(r.br)
		if errors.Is(err, io.EOF) && len(b) == 0 && !tooLong {
			r.closeSegment()
			continue
		}
		r.line++
		it := lineItem{seg: r.seg.name, segFirst: r.seg.first, line: r.line, b: b, tooLong: tooLong}
		switch {
		case errors.Is(err, io.EOF):
			it.torn = true
			r.closeSegment()
		case err != nil:
			it.err = fmt.Errorf("reading line %d: %w", r.line, err)
			it.b, it.tooLong = nil, false
			r.closeSegment()
		}
		return it, true
	}
}

func (r *segmentReader) closeSegment() {
	if r.cur != nil {
		r.cur.Close()
		r.cur = nil
	}
	r.br = nil
}

// close releases an open segment when reading stops early.
func (r *segmentReader) close() { r.closeSegment() }

// readLine reads one line; a line longer than maxLineBytes is skipped to its
// newline and reported as tooLong. io.EOF with a non-empty line means the
// line had no newline.
func readLine(br *bufio.Reader) (line []byte, tooLong bool, err error) {
	for {
		chunk, e := br.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(chunk) > maxLineBytes+1 {
				tooLong, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		switch {
		case e == nil:
			if !tooLong {
				line = line[:len(line)-1]
			}
			return line, tooLong, nil
		case errors.Is(e, bufio.ErrBufferFull):
			continue
		default:
			return line, tooLong, e
		}
	}
}
