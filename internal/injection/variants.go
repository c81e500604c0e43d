package injection

import "strings"

// A variant is one reading of a value: the raw text, or what a chain of
// normalisations made of it. Detectors run on every variant, so an attack is
// found whichever layer of encoding hides it, and the match names the
// variant that revealed it.
type variant struct {
	text string   // the variant's text
	fold string   // text in lower case with whitespace runs collapsed
	mask charMask // classify(text)
	// steps records the normalisations that produced text; urlRounds how
	// many rounds of percent-decoding were among them.
	steps     stepSet
	urlRounds uint8
	// sqlOnly marks the comment-stripped variant, which only the SQL
	// injection detector reads.
	sqlOnly bool
}

// stepSet is a set of normalisation steps.
type stepSet uint8

const (
	stepURL stepSet = 1 << iota
	stepOverlong
	stepHTML
	stepJS
	stepNUL
	stepSQLComments
	stepBase64
)

var stepNames = [...]struct {
	step stepSet
	name string
}{
	{stepURL, "url-decoded"}, {stepOverlong, "overlong-utf8"}, {stepHTML, "html-entities"},
	{stepJS, "js-escapes"}, {stepNUL, "null-bytes"}, {stepSQLComments, "sql-comments"},
	{stepBase64, "base64"},
}

// label names the variant for Match.Variant: "raw", or the steps joined
// with '+', with the number of URL-decoding rounds ("url-decoded×2").
// Called only when reporting a match.
func (v *variant) label() string {
	if v.steps == 0 {
		return "raw"
	}
	var b strings.Builder
	for _, s := range stepNames {
		if v.steps&s.step == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('+')
		}
		b.WriteString(s.name)
		if s.step == stepURL && v.urlRounds > 1 {
			b.WriteString("×")
			b.WriteByte('0' + v.urlRounds)
		}
	}
	return b.String()
}

// Limits that bound the work per value.
const (
	// maxDecodeRounds bounds the rounds of the decoding chain, and so the
	// rounds of percent-decoding (at most one per round).
	maxDecodeRounds = 3
	// maxVariants: raw, decoded, NUL-stripped, SQL-comment-stripped, base64.
	maxVariants = 5
)

// scratch holds the buffers one Scan needs. Engines keep them in a
// sync.Pool, so a scan allocates nothing once the pool is warm.
type scratch struct {
	dec   [2][]byte // ping-pong buffers of the decoding chain
	nul   []byte
	sqlc  []byte
	b64   []byte
	fold  [maxVariants][]byte
	work  []byte // detectors' scratch (the JNDI lookup evaluator)
	in    input  // what detectors are told, kept here so it is not allocated per Scan
	vars  [maxVariants]variant
	nvars int
}

// maxPooledBuffer is the largest buffer returned to the pool: a rare huge
// value should not pin its memory for the life of the process.
const maxPooledBuffer = 64 << 10

func (sc *scratch) trim() {
	shrink := func(b *[]byte) {
		if cap(*b) > maxPooledBuffer {
			*b = nil
		}
	}
	shrink(&sc.dec[0])
	shrink(&sc.dec[1])
	shrink(&sc.nul)
	shrink(&sc.sqlc)
	shrink(&sc.b64)
	shrink(&sc.work)
	for i := range sc.fold {
		shrink(&sc.fold[i])
	}
	for i := range sc.vars {
		sc.vars[i] = variant{} // drop references to the caller's value
	}
	sc.in = input{}
}

// variants builds the readings of value. The fast path: a value with none
// of the bytes that start an encoding (%, +, &, \, NUL, ≥0x80) yields only
// its raw variant, folded if it has capitals or unusual whitespace, after a
// single pass over its bytes.
func (sc *scratch) variants(value string) []variant {
	sc.nvars = 0
	raw := sc.add(variant{text: value, mask: classify(value)})

	cur, steps, rounds := value, stepSet(0), uint8(0)
	if raw.mask.any(cDecodable) {
		cur, steps, rounds = sc.decode(value)
		if steps != 0 {
			sc.add(variant{text: cur, mask: classify(cur), steps: steps, urlRounds: rounds})
		}
	}

	last := sc.vars[sc.nvars-1]
	if last.mask.any(cNUL) {
		out, _ := removeNUL(sc.nul[:0], cur)
		sc.nul = out
		cur = view(out)
		steps |= stepNUL
		last = *sc.add(variant{text: cur, mask: classify(cur), steps: steps, urlRounds: rounds})
	}

	if last.mask.any(cSlash|cDash|cHash) && hasSQLComment(cur) {
		if out, ok := stripSQLComments(sc.sqlc[:0], cur); ok {
			sc.sqlc = out
			sc.add(variant{text: view(out), mask: classify(view(out)), steps: steps | stepSQLComments, urlRounds: rounds, sqlOnly: true})
		}
	}

	if len(value) >= minBase64Len {
		out, ok := decodeBase64(sc.b64[:0], strings.TrimSpace(value))
		if !ok && steps != 0 {
			out, ok = decodeBase64(out[:0], strings.TrimSpace(cur))
		}
		sc.b64 = out
		if ok {
			sc.add(variant{text: view(out), mask: classify(view(out)), steps: stepBase64})
		}
	}

	for i := 0; i < sc.nvars; i++ {
		v := &sc.vars[i]
		v.fold = v.text
		if v.mask.any(cUpper | cFoldWS) {
			if out, changed := foldText(sc.fold[i][:0], v.text); changed {
				sc.fold[i] = out
				v.fold = view(out)
			}
		}
	}
	return sc.vars[:sc.nvars]
}

func (sc *scratch) add(v variant) *variant {
	sc.vars[sc.nvars] = v
	sc.nvars++
	return &sc.vars[sc.nvars-1]
}

// decode runs the decoding chain (percent-decoding, overlong UTF-8, HTML
// entities, JavaScript escapes) up to maxDecodeRounds times, until a round
// changes nothing. Every step only shrinks its input, so the result is never
// longer than value. NULs are kept (see removeNUL).
func (sc *scratch) decode(value string) (string, stepSet, uint8) {
	cur := value
	var steps stepSet
	var rounds uint8
	next := 0 // the dec buffer the next step writes into
	apply := func(step stepSet, fn func([]byte, string) ([]byte, bool)) bool {
		out, changed := fn(sc.dec[next][:0], cur)
		sc.dec[next] = out
		if !changed {
			return false
		}
		cur = view(out)
		next ^= 1
		steps |= step
		return true
	}
	for round := 0; round < maxDecodeRounds; round++ {
		changed := false
		// Each step first checks, without copying, that it has something
		// to decode: prose with a "%" or an "&" costs a scan, not a copy.
		if hasURLEscape(cur) && apply(stepURL, decodeURL) {
			rounds++
			changed = true
		}
		if hasHighByte(cur) && apply(stepOverlong, decodeOverlong) {
			changed = true
		}
		if hasEntity(cur) && apply(stepHTML, decodeHTMLEntities) {
			changed = true
		}
		if strings.IndexByte(cur, '\\') >= 0 && apply(stepJS, decodeJSEscapes) {
			changed = true
		}
		if !changed {
			break
		}
	}
	return cur, steps, rounds
}

// hasURLEscape reports whether s has a '+' or a '%' followed by a hex
// digit or 'u' (the cheap part of what decodeURL decodes).
func hasURLEscape(s string) bool {
	if strings.IndexByte(s, '+') >= 0 {
		return true
	}
	for i := strings.IndexByte(s, '%'); i >= 0 && i+1 < len(s); {
		if c := s[i+1]; isHex(c) || c == 'u' || c == 'U' {
			return true
		}
		next := strings.IndexByte(s[i+1:], '%')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return false
}

// hasEntity reports whether s has an '&' followed by '#' or a letter.
func hasEntity(s string) bool {
	for i := strings.IndexByte(s, '&'); i >= 0 && i+1 < len(s); {
		if c := s[i+1]; c == '#' || isAlpha(c) {
			return true
		}
		next := strings.IndexByte(s[i+1:], '&')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return false
}

func hasHighByte(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return true
		}
	}
	return false
}

// hasSQLComment reports whether s contains the start of a SQL comment.
func hasSQLComment(s string) bool {
	return strings.Contains(s, "/*") || strings.Contains(s, "--") || strings.IndexByte(s, '#') >= 0
}
