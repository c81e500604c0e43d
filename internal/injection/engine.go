package injection

import (
	"fmt"
	"sync"
)

// Config configures an Engine.
type Config struct {
	// Sensitivity selects which weak signals count and the threshold.
	// Default (zero): Medium.
	Sensitivity Sensitivity
	// DisabledRules lists rule ids (see Rules) whose detectors do not run.
	// An unknown id is an error. Default: none.
	DisabledRules []string
}

// Engine scans values for injection attacks. It is safe for concurrent use
// and immutable after NewEngine.
type Engine struct {
	level     Sensitivity
	threshold int
	rules     [ruleCount]Rule
	detectors []*detector
	pool      sync.Pool
}

// NewEngine validates cfg and builds an Engine.
func NewEngine(cfg Config) (*Engine, error) {
	level, ok := cfg.Sensitivity.normalized()
	if !ok {
		return nil, fmt.Errorf("injection: unknown sensitivity %d (want Low, Medium or High)", cfg.Sensitivity)
	}
	var disabled [ruleCount]bool
	for _, id := range cfg.DisabledRules {
		i, ok := ruleIndex(id)
		if !ok {
			return nil, fmt.Errorf("injection: unknown rule %q in disabled rules", id)
		}
		disabled[i] = true
	}
	e := &Engine{level: level, threshold: thresholds[level], rules: ruleTable}
	for _, d := range allDetectors {
		if !disabled[d.rule] {
			e.detectors = append(e.detectors, d)
		}
	}
	e.pool.New = func() any { return new(scratch) }
	return e, nil
}

// Sensitivity returns the engine's sensitivity (never the zero value).
func (e *Engine) Sensitivity() Sensitivity { return e.level }

// Threshold returns the total score at which a value, or a request, is an
// attack at this sensitivity: 10 at Low, 5 at Medium, 3 at High.
func (e *Engine) Threshold() int { return e.threshold }

// Scan normalises value, runs every enabled detector that applies to ctx on
// each variant, and appends to dst at most one Match per rule: the strongest
// evidence that rule found in any variant. The sum of the appended scores is
// the value's total. A plain short value with no match costs one pass over
// its bytes per detector prefilter and allocates nothing.
func (e *Engine) Scan(value string, ctx Context, dst []Match) []Match {
	if value == "" {
		return dst
	}
	sc := e.pool.Get().(*scratch)
	defer func() {
		sc.trim()
		e.pool.Put(sc)
	}()
	vars := sc.variants(value)
	in := &sc.in
	*in = input{ctx: ctx, level: e.level, sc: sc}
	for _, d := range e.detectors {
		if !d.contexts.has(ctx) {
			continue
		}
		best, bestV := hit{}, -1
		for i := range vars {
			v := &vars[i]
			if v.sqlOnly && !d.sqlComments {
				continue
			}
			if h := d.detect(in, v); h.score > best.score {
				best, bestV = h, i
				if best.score >= scoreStrong {
					break
				}
			}
		}
		if bestV >= 0 {
			dst = append(dst, e.match(d.rule, best, &vars[bestV]))
		}
	}
	return dst
}

// match builds the Match for a hit; the only allocations of a Scan happen
// here, for the snippet and a composite variant label.
func (e *Engine) match(rule int, h hit, v *variant) Match {
	text := v.text
	if h.inFold {
		text = v.fold
	}
	return Match{
		Rule:    &e.rules[rule],
		Score:   h.score,
		Reason:  h.reason,
		Snippet: snippet(text, h.start, h.end),
		Variant: v.label(),
	}
}

// detector is one attack class's detection function and where it applies.
type detector struct {
	rule     int
	contexts contextSet
	// sqlComments: also read the SQL-comment-stripped variant.
	sqlComments bool
	detect      func(in *input, v *variant) hit
}

// input is what a detector knows besides the variant.
type input struct {
	ctx   Context
	level Sensitivity
	sc    *scratch
}

// high reports whether weak, High-only signals count.
func (in *input) high() bool { return in.level >= High }

// hit is a detector's finding in one variant: its score (0: nothing), where
// (byte offsets into the variant's text, or its fold when inFold) and why.
type hit struct {
	score      int
	start, end int
	inFold     bool
	reason     string
}

// offer keeps c if it scores higher than h.
func (h *hit) offer(c hit) {
	if c.score > h.score {
		*h = c
	}
}

// allDetectors lists every detector in rule order.
var allDetectors = [ruleCount]*detector{
	ruleSQLi:      &sqliDetector,
	ruleXSS:       &xssDetector,
	ruleCmdI:      &cmdiDetector,
	ruleTraversal: &traversalDetector,
	ruleSSRF:      &ssrfDetector,
	ruleNoSQLi:    &nosqliDetector,
	ruleSSTI:      &sstiDetector,
	ruleLDAPi:     &ldapiDetector,
	ruleXPathi:    &xpathiDetector,
	ruleJNDI:      &jndiDetector,
	ruleCRLF:      &crlfDetector,
	ruleXXE:       &xxeDetector,
	ruleProto:     &protoDetector,
}
