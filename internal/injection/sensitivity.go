package injection

import "fmt"

// Sensitivity selects which weak signals count and the score at which a
// value or a request is an attack. The zero value means Medium.
type Sensitivity uint8

// The sensitivity levels.
const (
	// Low flags only conclusive evidence (one strong signal, or two likely
	// ones in the same request): for APIs where a false positive costs
	// more than a missed probe.
	Low Sensitivity = iota + 1
	// Medium, the default, flags one likely signal. It is meant to run on
	// JSON APIs with no exclusions: prose, names with apostrophes, code
	// snippets, markdown and public URLs pass.
	Medium
	// High also emits weak signals (SQL keywords without an injection
	// shape, a single "../", a plain template expression) and flags any of
	// them: for APIs whose inputs are all narrow (ids, enums, numbers).
	High
)

// Evidence tiers. A detector reports the best tier it found for a value.
const (
	// scoreStrong is conclusive evidence of an attack on its own.
	scoreStrong = 10
	// scoreLikely is a clear attack shape that a benign value has only
	// by rare accident.
	scoreLikely = 5
	// scoreWeak is a hint: alone it flags only at High, two of them in one
	// request flag at Medium.
	scoreWeak = 3
)

var thresholds = [...]int{Low: scoreStrong, Medium: scoreLikely, High: scoreWeak}

var sensitivityNames = [...]string{Low: "low", Medium: "medium", High: "high"}

// normalized maps the zero value to Medium and rejects unknown levels.
func (s Sensitivity) normalized() (Sensitivity, bool) {
	if s == 0 {
		return Medium, true
	}
	return s, s >= Low && s <= High
}

// String returns "low", "medium" or "high" ("medium" for the zero value).
func (s Sensitivity) String() string {
	if n, ok := s.normalized(); ok {
		return sensitivityNames[n]
	}
	return fmt.Sprintf("sensitivity(%d)", uint8(s))
}

// ParseSensitivity parses "low", "medium" or "high". The empty string means
// Medium.
func ParseSensitivity(s string) (Sensitivity, error) {
	switch s {
	case "", "medium":
		return Medium, nil
	case "low":
		return Low, nil
	case "high":
		return High, nil
	}
	return 0, fmt.Errorf("injection: unknown sensitivity %q (want low, medium or high)", s)
}
