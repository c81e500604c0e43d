package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io/fs"
	"maps"
	"slices"
)

// How the verifier tells damage apart. It walks the records in order,
// expecting seq expSeq chained to hash lastHash, and looks up to lookahead
// records ahead to classify what it sees:
//
//   - MAC fails, the next record continues from before this one → inserted
//     (a forged record the chain skips); otherwise → edited.
//   - MAC valid under another key given, or key id unknown → wrong_key.
//   - seq is expSeq but prev is not lastHash → the previous record was
//     edited and re-MACed (or replaced) by someone holding the HMAC key.
//   - seq jumps ahead and the expected record appears within the lookahead
//     → reordered (the early records wait in pending until their turn);
//     otherwise → deleted (missing_segment when the gap is exactly between
//     two segment files).
//   - seq goes back: two records with the same seq and predecessor → the
//     one the chain does not continue from was inserted; any other → an
//     inserted copy.
//
// After a damaged record the chain is resynchronised on the next one, so
// one edit is one problem, not a cascade.

const (
	lookahead  = 256
	maxPending = lookahead
	// hardProblemCap bounds memory on a log that is garbage throughout.
	hardProblemCap = 100000
)

type macResult uint8

const (
	macOK macResult = iota
	macBad
	macWrongKey // valid under another given key, or labelled with an unknown key id
	macUnknown  // key id not given and no given key validates it
)

type scanEntry struct {
	item     lineItem
	ord      int
	p        parsedLine
	parseErr error
	mac      macResult
	macNote  string
}

func (e *scanEntry) seq() uint64 { return e.p.rec.Seq }

type verifier struct {
	opts   VerifyOptions
	rep    *Report
	rd     *segmentReader
	macs   map[string]hash.Hash
	kids   []string // sorted, for deterministic messages
	ahead  []*scanEntry
	ord    int
	extra  int
	signer string

	started  bool
	expSeq   uint64
	lastHash [sha256.Size]byte
	resync   bool
	last     *scanEntry
	pending  map[uint64]*scanEntry
	reorder  bool
	first    *scanEntry
	lastItem lineItem

	prunedCover   map[uint64]string
	wanted        map[uint64]Checkpoint
	unknownKids   map[string]*int // problem index per unknown key id
	unknownCounts map[string]int
	afterCP       int
	lastKind      Kind
	prevKind      Kind
	// lastProblemOrd is the position of the latest problem, so damage to
	// one record is reported once.
	lastProblemOrd int
}

func newVerifier(opts VerifyOptions, fsys fs.FS, segs []segmentInfo) *verifier {
	v := &verifier{
		opts: opts, rep: &Report{}, rd: newSegmentReader(fsys, segs),
		macs: map[string]hash.Hash{}, pending: map[uint64]*scanEntry{},
		prunedCover: map[uint64]string{}, wanted: map[uint64]Checkpoint{},
		unknownKids: map[string]*int{}, unknownCounts: map[string]int{}, lastProblemOrd: -1,
	}
	for kid, key := range opts.HMACKeys {
		v.macs[kid] = newMAC(key)
	}
	v.kids = slices.Sorted(maps.Keys(v.macs))
	if opts.PublicKey != nil {
		v.signer = SignerID(opts.PublicKey)
	}
	v.loadExternal()
	return v
}

// loadExternal checks the off-box checkpoints' signatures.
func (v *verifier) loadExternal() {
	if len(v.opts.Checkpoints) == 0 {
		return
	}
	if v.opts.PublicKey == nil {
		v.warn("%d off-box checkpoints ignored: no public key to verify them", len(v.opts.Checkpoints))
		return
	}
	for _, c := range v.opts.Checkpoints {
		if err := c.Verify(v.opts.PublicKey); err != nil {
			v.warn("off-box checkpoint for seq %d ignored: %v", c.HeadSeq, err)
			continue
		}
		v.wanted[c.HeadSeq] = c
	}
}

func (v *verifier) warn(format string, args ...any) {
	v.rep.Warnings = append(v.rep.Warnings, fmt.Sprintf(format, args...))
}

func (v *verifier) problem(kind DamageKind, seq uint64, at lineItem, ord int, format string, args ...any) {
	v.lastProblemOrd = ord
	if len(v.rep.Problems) >= hardProblemCap {
		v.extra++
		return
	}
	v.rep.Problems = append(v.rep.Problems, Problem{
		Kind: kind, Seq: seq, Segment: at.seg, Line: at.line, Detail: fmt.Sprintf(format, args...), ord: ord,
	})
}

// fill keeps the lookahead full.
func (v *verifier) fill() {
	for len(v.ahead) < lookahead+1 {
		it, ok := v.rd.next()
		if !ok {
			return
		}
		e := &scanEntry{item: it, ord: v.ord}
		v.ord++
		if it.err == nil && !it.tooLong && !it.torn {
			e.p, e.parseErr = parseLine(it.b)
			if e.parseErr == nil {
				e.mac, e.macNote = v.checkMAC(e)
			}
		}
		v.ahead = append(v.ahead, e)
	}
}

func (v *verifier) peek() *scanEntry {
	if len(v.ahead) == 0 {
		return nil
	}
	return v.ahead[0]
}

func (v *verifier) checkMAC(e *scanEntry) (macResult, string) {
	if len(v.macs) == 0 {
		return macOK, "" // no keys: the chain and checkpoints carry authentication
	}
	kid := e.p.rec.Kid
	if h, ok := v.macs[kid]; ok {
		if e.p.macValid(h, e.item.b) {
			return macOK, ""
		}
		for _, other := range v.kids {
			if other != kid && e.p.macValid(v.macs[other], e.item.b) {
				return macWrongKey, fmt.Sprintf("labelled with key id %q but its MAC was made with key %q", kid, other)
			}
		}
		return macBad, ""
	}
	for _, other := range v.kids {
		if e.p.macValid(v.macs[other], e.item.b) {
			return macWrongKey, fmt.Sprintf("labelled with unknown key id %q but its MAC was made with key %q", kid, other)
		}
	}
	return macUnknown, fmt.Sprintf("key id %q is not among the keys given, so the record cannot be authenticated", kid)
}

// continues reports whether e is a valid record with seq seq chained to h.
func continues(e *scanEntry, seq uint64, h [sha256.Size]byte) bool {
	return e != nil && e.parseErr == nil && e.item.err == nil && e.mac == macOK && e.seq() == seq && e.p.prev == h
}

func (v *verifier) run() {
	defer v.rd.close()
	for {
		v.fill()
		if len(v.ahead) == 0 {
			break
		}
		e := v.ahead[0]
		v.ahead[0] = nil
		v.ahead = v.ahead[1:]
		v.rep.Records++
		v.lastItem = e.item
		v.step(e)
	}
	v.finish()
}

func (v *verifier) step(e *scanEntry) {
	it := e.item
	switch {
	case it.err != nil:
		v.rep.Records--
		v.problem(DamageUnreadable, v.expSeq, it, e.ord, "segment cannot be read: %v", it.err)
		v.resync = true
		return
	case it.torn:
		v.problem(DamageTruncated, v.expSeq, it, e.ord,
			"the segment ends in %d bytes of an incomplete record: the file was cut, or the writer crashed and has not been restarted (a running writer may be mid-write: verify again)", len(it.b))
		v.skipDamaged()
		return
	case it.tooLong || e.parseErr != nil:
		why := "line longer than the record limit"
		if e.parseErr != nil {
			why = e.parseErr.Error()
		}
		if v.started && continues(v.peek(), v.expSeq, v.lastHash) {
			v.problem(DamageCorrupt, v.expSeq, it, e.ord, "inserted line is not a record (%s); the chain continues past it", why)
			return
		}
		v.problem(DamageCorrupt, v.expSeq, it, e.ord, "line is not a valid record: %s", why)
		v.skipDamaged()
		return
	}
	if it.line == 1 && it.segFirst != e.seq() && e.mac == macOK {
		v.warn("segment %s is named for seq %d but starts with seq %d", it.seg, it.segFirst, e.seq())
	}
	if !v.started {
		v.begin(e)
	}
	switch e.mac {
	case macBad, macWrongKey:
		if continues(v.peek(), v.expSeq, v.lastHash) {
			note := "its MAC does not verify"
			if e.mac == macWrongKey {
				note = e.macNote
			}
			v.problem(DamageInserted, e.seq(), it, e.ord, "record is not part of the chain (%s): the next record continues from seq %d", note, v.expSeq-1)
			return
		}
		if e.mac == macWrongKey {
			v.problem(DamageWrongKey, e.seq(), it, e.ord, "%s", e.macNote)
		} else {
			detail := "MAC does not match: the record was changed after it was written"
			if e.seq() != v.expSeq {
				detail += fmt.Sprintf(" (it reads seq %d where %d was expected)", e.seq(), v.expSeq)
			}
			v.problem(DamageEdited, v.occupiedSeq(e), it, e.ord, "%s", detail)
		}
		v.occupy(e)
		return
	case macUnknown:
		// Typically a key rotation the verifier was not told about: report
		// each unknown key id once, check the chain as usual.
		if v.unknownKids[e.p.rec.Kid] == nil {
			v.problem(DamageWrongKey, e.seq(), it, e.ord, "%s", e.macNote)
			i := len(v.rep.Problems) - 1
			v.unknownKids[e.p.rec.Kid] = &i
		}
		v.unknownCounts[e.p.rec.Kid]++
	}
	v.link(e)
}

// begin takes the first record's position as the chain's start, unless
// the genesis record (seq 1 chained to zeros) comes a little later: then
// the chain starts there and what came first is out of order.
func (v *verifier) begin(e *scanEntry) {
	v.started = true
	v.first = e
	v.expSeq, v.lastHash = e.seq(), e.p.prev
	var zero [sha256.Size]byte
	if e.seq() != 1 || e.p.prev != zero {
		for _, n := range v.ahead {
			if continues(n, 1, zero) {
				v.first, v.expSeq, v.lastHash = n, 1, zero
				break
			}
		}
	}
	v.rep.FirstSeq = v.first.seq()
}

// skipDamaged steps over a line that took the place of the expected record.
func (v *verifier) skipDamaged() {
	if v.started {
		v.expSeq++
	}
	v.resync = true
}

// occupiedSeq is the seq a damaged record stands for: its own when the
// next record follows it, else the one expected here.
func (v *verifier) occupiedSeq(e *scanEntry) uint64 {
	if n := v.peek(); n != nil && n.parseErr == nil && n.item.err == nil && n.seq() == e.seq()+1 {
		return e.seq()
	}
	return v.expSeq
}

// occupy moves past a damaged record without trusting its chain link.
func (v *verifier) occupy(e *scanEntry) {
	seq := v.occupiedSeq(e)
	v.expSeq, v.lastHash, v.last, v.resync = seq+1, e.p.hash, e, true
	v.rep.LastSeq = max(v.rep.LastSeq, seq)
}

// link checks a record that authenticates against the chain.
func (v *verifier) link(e *scanEntry) {
	seq := e.seq()
	chained := v.resync || e.p.prev == v.lastHash
	switch {
	case seq == v.expSeq && chained:
		v.accept(e)
	case seq == v.expSeq:
		at, ord, prevSeq := e.item, e.ord, seq-1
		if v.last != nil {
			at, ord, prevSeq = v.last.item, v.last.ord, v.last.seq()
		}
		if ord != v.lastProblemOrd {
			v.problem(DamageEdited, prevSeq, at, ord,
				"the record's hash does not match the prev of record %d: it was changed and its MAC recomputed by someone holding the HMAC key, or replaced", seq)
		}
		v.accept(e)
	case seq > v.expSeq:
		if v.findAhead() && len(v.pending) < maxPending {
			if !v.reorder {
				v.problem(DamageReordered, seq, e.item, e.ord, "seq %d appears before seq %d", seq, v.expSeq)
				v.reorder = true
			}
			v.pending[seq] = e
			return
		}
		kind, where := DamageDeleted, ""
		if e.item.line == 1 && v.last != nil && v.last.item.seg != e.item.seg {
			kind, where = DamageMissingSegment, fmt.Sprintf(" between segments %s and %s (a segment file was deleted, or the earlier one was cut short)", v.last.item.seg, e.item.seg)
		}
		v.problem(kind, v.expSeq, e.item, e.ord, "%s missing%s", seqRange(v.expSeq, seq-1), where)
		v.accept(e)
	default:
		v.goesBack(e)
	}
}

// findAhead reports whether the expected record is in the lookahead.
func (v *verifier) findAhead() bool {
	for _, n := range v.ahead {
		if continues(n, v.expSeq, v.lastHash) {
			return true
		}
	}
	return false
}

// goesBack handles a valid record whose seq was already passed.
func (v *verifier) goesBack(e *scanEntry) {
	seq := e.seq()
	if l := v.last; l != nil && seq == l.seq() && e.p.prev == l.p.prev && e.p.hash != l.p.hash {
		// Two records claim the same place in the chain.
		if continues(v.peek(), seq+1, e.p.hash) {
			v.problem(DamageInserted, seq, l.item, l.ord,
				"a second record with seq %d follows (%s line %d) and the chain continues from that one: this one was inserted", seq, e.item.seg, e.item.line)
			v.lastHash, v.last = e.p.hash, e
			return
		}
		v.problem(DamageInserted, seq, e.item, e.ord, "a second record with seq %d and the same predecessor: inserted", seq)
		return
	}
	v.problem(DamageInserted, seq, e.item, e.ord, "seq %d where %d was expected: a copied or moved record", seq, v.expSeq)
}

// accept advances the chain over a good record and checks what it says.
func (v *verifier) accept(e *scanEntry) {
	v.advance(e)
	for {
		p, ok := v.pending[v.expSeq]
		if !ok || p.p.prev != v.lastHash {
			break
		}
		delete(v.pending, v.expSeq)
		v.advance(p)
	}
	if len(v.pending) == 0 {
		v.reorder = false
	}
}

func (v *verifier) advance(e *scanEntry) {
	seq := e.seq()
	v.expSeq, v.lastHash, v.last, v.resync = seq+1, e.p.hash, e, false
	v.rep.LastSeq = max(v.rep.LastSeq, seq)
	v.afterCP++
	if c, ok := v.wanted[seq]; ok {
		delete(v.wanted, seq)
		v.rep.ExternalCheckpoints++
		if got := hex.EncodeToString(e.p.hash[:]); got != c.HeadHash {
			v.problem(DamageEdited, seq, e.item, e.ord,
				"an off-box checkpoint (signed %s) says this record's hash is %s, the log has %s: rewritten by someone holding the HMAC key", c.Time.Format("2006-01-02T15:04:05Z07:00"), short(c.HeadHash), short(got))
		}
	}
	switch e.p.rec.Kind {
	case KindCheckpoint:
		v.checkCheckpoint(e)
	case KindPruned:
		v.checkPruned(e)
	case KindRecovered:
		v.rep.Recoveries++
	case KindStart:
		v.rep.Starts++
	}
	v.prevKind, v.lastKind = v.lastKind, e.p.rec.Kind
}
