package audit

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"time"
)

// Kind names what a record holds.
type Kind string

// Record kinds.
const (
	KindOutcome    Kind = "outcome"    // a request's Outcome
	KindEvent      Kind = "event"      // a security Event, or the log's own notices
	KindAdmin      Kind = "admin"      // an administrative action (ban, revocation, key change)
	KindCheckpoint Kind = "checkpoint" // a signed statement of the chain head
	KindPruned     Kind = "pruned"     // a signed statement that older segments were deleted
	KindRecovered  Kind = "recovered"  // a torn record cut at start
	KindStart      Kind = "start"      // the writer started
	KindStop       Kind = "stop"       // the writer stopped cleanly
)

// genesisHash is the prev of the very first record.
const genesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// macDomain separates record MACs from any other use of the key.
const macDomain = "rampart-audit-record-v1\n"

const (
	// maxLineBytes bounds one line when reading; the writer never comes near
	// it (data is capped at maxDataBytes).
	maxLineBytes = 1 << 20
	// maxDataBytes caps one record's data; larger data is replaced by a stub.
	maxDataBytes = 64 << 10
)

var macField = []byte(`,"mac":"`)

// record is one line of a segment:
//
//	{"seq":N,"time":"RFC3339Nano UTC","kind":"…","data":{…},"prev":"hex","kid":"…","mac":"hex"}
//
// The fields appear in exactly this order with no spaces (the canonical
// form); the body is the line without its mac field. mac is
// HMAC-SHA256(key[kid], macDomain || body): the body holds prev, so the MAC
// binds each record to its predecessor. A record's hash is the SHA-256 of
// its whole line without the newline; the next record's prev holds it.
type record struct {
	Seq  uint64          `json:"seq"`
	Time string          `json:"time"`
	Kind Kind            `json:"kind"`
	Data json.RawMessage `json:"data"`
	Prev string          `json:"prev"`
	Kid  string          `json:"kid"`
	MAC  string          `json:"mac"`
}

// appendBody appends the canonical body (the record without mac). The
// writer and the verifier share it, so there is one definition of the form.
func appendBody(dst []byte, seq uint64, ts []byte, kind Kind, data, prev []byte, kid string) []byte {
	dst = append(dst, `{"seq":`...)
	dst = strconv.AppendUint(dst, seq, 10)
	dst = append(dst, `,"time":"`...)
	dst = append(dst, ts...)
	dst = append(dst, `","kind":"`...)
	dst = append(dst, kind...)
	dst = append(dst, `","data":`...)
	dst = append(dst, data...)
	dst = append(dst, `,"prev":"`...)
	dst = append(dst, prev...)
	dst = append(dst, `","kid":"`...)
	dst = append(dst, kid...)
	return append(dst, `"}`...)
}

// recordMAC computes the MAC of a body given as head || tail (the verifier
// passes the line up to the mac field and "}"; the writer the whole body).
func recordMAC(h hash.Hash, head, tail []byte) [sha256.Size]byte {
	var out [sha256.Size]byte
	h.Reset()
	h.Write([]byte(macDomain))
	h.Write(head)
	h.Write(tail)
	h.Sum(out[:0])
	return out
}

// sealLine turns a body into the full line (without newline) by replacing
// its closing brace with the mac field.
func sealLine(body []byte, mac [sha256.Size]byte) []byte {
	line := append(body[:len(body)-1], macField...)
	line = hex.AppendEncode(line, mac[:])
	return append(line, '"', '}')
}

// newMAC returns a reusable HMAC-SHA256 for key.
func newMAC(key []byte) hash.Hash { return hmac.New(sha256.New, key) }

// parsedLine is a line that has the shape of a record.
type parsedLine struct {
	rec record
	// macAt is where the mac field starts in the line.
	macAt int
	mac   [sha256.Size]byte
	time  time.Time
	hash  [sha256.Size]byte
	// prev is rec.Prev decoded.
	prev [sha256.Size]byte
}

var errNotRecord = errors.New("not a record")

// parseLine checks that line (without newline) is a record in canonical
// form and decodes it. It does not check the MAC. Any deviation from the
// form the writer produces (spaces, field order, duplicate or unknown
// fields, upper-case hex) is an error, so what the verifier and `show`
// interpret is exactly the bytes the MAC covers.
func parseLine(line []byte) (parsedLine, error) {
	var p parsedLine
	if len(line) > maxLineBytes {
		return p, fmt.Errorf("%w: line of %d bytes", errNotRecord, len(line))
	}
	if !bytes.HasSuffix(line, []byte(`"}`)) {
		return p, fmt.Errorf("%w: does not end with the mac field", errNotRecord)
	}
	at := bytes.LastIndex(line, macField)
	if at < 0 || at+len(macField) > len(line)-2 {
		// The second test: `,"mac":"}` overlaps the closing `"}` (found by fuzzing).
		return p, fmt.Errorf("%w: no mac field", errNotRecord)
	}
	macHex := line[at+len(macField) : len(line)-2]
	if !decodeLowerHex(p.mac[:], macHex) {
		return p, fmt.Errorf("%w: mac is not 64 lower-case hex digits", errNotRecord)
	}
	if err := json.Unmarshal(line, &p.rec); err != nil {
		return p, fmt.Errorf("%w: %v", errNotRecord, err)
	}
	r := &p.rec
	switch {
	case !validKind(string(r.Kind)):
		return p, fmt.Errorf("%w: bad kind", errNotRecord)
	case !validKeyID(r.Kid):
		return p, fmt.Errorf("%w: bad key id", errNotRecord)
	case !decodeLowerHex(p.prev[:], []byte(r.Prev)):
		return p, fmt.Errorf("%w: prev is not 64 lower-case hex digits", errNotRecord)
	case len(r.Data) == 0:
		return p, fmt.Errorf("%w: no data", errNotRecord)
	}
	t, err := time.Parse(time.RFC3339Nano, r.Time)
	if err != nil || t.Location() != time.UTC || t.Format(time.RFC3339Nano) != r.Time {
		return p, fmt.Errorf("%w: time is not canonical RFC 3339 UTC", errNotRecord)
	}
	p.time = t
	body := appendBody(make([]byte, 0, at+1), r.Seq, []byte(r.Time), r.Kind, r.Data, []byte(r.Prev), r.Kid)
	if !bytes.Equal(body[:len(body)-1], line[:at]) {
		return p, fmt.Errorf("%w: not in canonical form", errNotRecord)
	}
	p.macAt = at
	p.hash = sha256.Sum256(line)
	return p, nil
}

// macValid reports whether the line's MAC is right under h's key.
func (p *parsedLine) macValid(h hash.Hash, line []byte) bool {
	want := recordMAC(h, line[:p.macAt], []byte("}"))
	return hmac.Equal(want[:], p.mac[:])
}

// decodeLowerHex decodes exactly len(dst)*2 lower-case hex digits.
func decodeLowerHex(dst, src []byte) bool {
	if len(src) != 2*len(dst) {
		return false
	}
	for _, c := range src {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	_, err := hex.Decode(dst, src)
	return err == nil
}

// validKind accepts 1-32 of a-z and _; unknown kinds still verify, so a
// newer writer's records are not reported as damage.
func validKind(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && c != '_' {
			return false
		}
	}
	return true
}

// validKeyID accepts 1-64 of A-Z a-z 0-9 . _ : - (no JSON escaping needed).
func validKeyID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.', c == '_', c == ':', c == '-':
		default:
			return false
		}
	}
	return true
}
