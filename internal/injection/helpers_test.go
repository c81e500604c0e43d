package injection

import (
	"strings"
	"testing"
)

// detectCase is one row of a detector's table test: a value scanned in a
// context at a sensitivity, and the score the detector's rule must get
// (0: no match). Benign rows (score 0) also require that no other rule
// flags the value, so they double as the "must pass" list.
type detectCase struct {
	name  string
	value string
	ctx   Context
	level Sensitivity // 0 means Medium
	score int
}

func engineAt(t testing.TB, level Sensitivity) *Engine {
	t.Helper()
	e, err := NewEngine(Config{Sensitivity: level})
	if err != nil {
		t.Fatalf("NewEngine(%v): %v", level, err)
	}
	return e
}

// runDetectCases runs rows against the rule with the given id.
func runDetectCases(t *testing.T, ruleID string, cases []detectCase) {
	t.Helper()
	engines := map[Sensitivity]*Engine{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			level := c.level
			if level == 0 {
				level = Medium
			}
			e := engines[level]
			if e == nil {
				e = engineAt(t, level)
				engines[level] = e
			}
			ms := e.Scan(c.value, c.ctx, nil)
			got := 0
			for _, m := range ms {
				if m.Rule.ID == ruleID {
					got = m.Score
				}
			}
			if got != c.score {
				t.Errorf("Scan(%q, %v) at %v: %s score = %d, want %d (matches %s)", c.value, c.ctx, level, ruleID, got, c.score, describe(ms))
			}
			total := Total(ms)
			switch {
			case c.score == 0 && total >= e.Threshold():
				t.Errorf("benign %q flagged at %v: total %d ≥ %d (matches %s)", c.value, level, total, e.Threshold(), describe(ms))
			case c.score >= e.Threshold() && total < e.Threshold():
				t.Errorf("attack %q not flagged at %v: total %d < %d", c.value, level, total, e.Threshold())
			}
		})
	}
}

func describe(ms []Match) string {
	if len(ms) == 0 {
		return "none"
	}
	var b strings.Builder
	for i, m := range ms {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(m.Rule.ID + ":" + itoa(m.Score) + " " + m.Reason + " [" + m.Variant + "] " + m.Snippet)
	}
	return b.String()
}

// fuzzDetector fuzzes one detector: for any input, context and level it
// must not panic, must score 0, 3, 5 or 10, and must point inside the
// variant it read; the engine's matches for it must carry a bounded
// snippet.
func fuzzDetector(f *testing.F, d *detector, seeds ...string) {
	for _, s := range seeds {
		f.Add(s, uint8(Query))
	}
	f.Add("", uint8(Text))
	engines := [...]*Engine{engineAt(f, Low), engineAt(f, Medium), engineAt(f, High)}
	f.Fuzz(func(t *testing.T, value string, ctxByte uint8) {
		ctx := Context(ctxByte % uint8(contextCount))
		sc := new(scratch)
		vars := sc.variants(value)
		if len(vars) > maxVariants {
			t.Fatalf("%d variants", len(vars))
		}
		for _, level := range []Sensitivity{Low, Medium, High} {
			in := &input{ctx: ctx, level: level, sc: sc}
			for i := range vars {
				v := &vars[i]
				h := d.detect(in, v)
				switch h.score {
				case 0, scoreWeak, scoreLikely, scoreStrong:
				default:
					t.Fatalf("score %d", h.score)
				}
				if h.score == 0 {
					continue
				}
				text := v.text
				if h.inFold {
					text = v.fold
				}
				if h.start < 0 || h.start > len(text) || h.end < h.start {
					t.Fatalf("hit [%d,%d) outside %d-byte text", h.start, h.end, len(text))
				}
				if h.reason == "" {
					t.Fatal("hit without a reason")
				}
			}
		}
		for _, e := range engines {
			for _, m := range e.Scan(value, ctx, nil) {
				if len(m.Snippet) > maxSnippetBytes {
					t.Fatalf("snippet of %d bytes: %q", len(m.Snippet), m.Snippet)
				}
			}
		}
	})
}

// maxSnippetBytes bounds an escaped snippet: every window byte may become
// four (\xHH), plus two three-byte ellipses.
const maxSnippetBytes = 4*snippetMax + 6
