package injection

// Match is one rule's finding in one value.
type Match struct {
	// Rule is the rule that matched. It points into the Engine's own
	// table: read it, do not modify it.
	Rule *Rule
	// Score is what this finding adds to the value's total: the rule's
	// Score for conclusive evidence, less for weaker evidence.
	Score int
	// Reason names the evidence, in a few stable words ("libinjection",
	// "union select", "metadata address"), suitable for events and metrics.
	Reason string
	// Snippet is the text around the evidence, redacted for logs: at most
	// snippetMax bytes of the variant that revealed it, with "…" where it
	// was cut and every byte outside printable ASCII, and the backslash,
	// escaped as \xHH (\\). It never holds more of the value than that
	// window, so a long value (and any secret in it) is never logged whole.
	Snippet string
	// Variant names the normalisation that revealed the evidence: "raw",
	// "url-decoded", "url-decoded×2", "html-entities", "js-escapes",
	// "overlong-utf8", "null-bytes", "sql-comments", "base64", or several
	// joined with '+'.
	Variant string
}

// Total sums the scores of matches from one or more values, counting each
// (rule, reason) pair once at its highest score: the same weak evidence
// repeated across the items of a list (a "constructor" key in every element)
// does not add up to an attack, while different pieces of evidence do (a
// "constructor" key and a "prototype" key).
func Total(matches []Match) int {
	total := 0
	for i := range matches {
		m := &matches[i]
		dup := false
		for j := 0; j < i; j++ {
			p := &matches[j]
			if p.Rule.ID == m.Rule.ID && p.Reason == m.Reason {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		best := m.Score
		for j := i + 1; j < len(matches); j++ {
			p := &matches[j]
			if p.Rule.ID == m.Rule.ID && p.Reason == m.Reason && p.Score > best {
				best = p.Score
			}
		}
		total += best
	}
	return total
}

// Snippet window: up to snippetContext bytes either side of the evidence,
// whose own length is capped so the window stays within snippetMax.
const (
	snippetMax     = 64
	snippetContext = 12
)

// snippet returns the redacted window of text around [start, end).
func snippet(text string, start, end int) string {
	start = max(0, min(start, len(text)))
	end = max(start, min(end, len(text)))
	if end-start > snippetMax-2*snippetContext {
		end = start + snippetMax - 2*snippetContext
	}
	from := max(0, start-snippetContext)
	to := min(len(text), end+snippetContext)
	buf := make([]byte, 0, (to-from)+8)
	if from > 0 {
		buf = append(buf, "…"...)
	}
	for i := from; i < to; i++ {
		c := text[i]
		switch {
		case c == '\\':
			buf = append(buf, `\\`...)
		case c >= 0x20 && c < 0x7F:
			buf = append(buf, c)
		default:
			const hexdigits = "0123456789abcdef"
			buf = append(buf, '\\', 'x', hexdigits[c>>4], hexdigits[c&0xF])
		}
	}
	if to < len(text) {
		buf = append(buf, "…"...)
	}
	return string(buf)
}
