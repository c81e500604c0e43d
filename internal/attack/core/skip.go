package core

import "errors"

// SkipError is what a check's Run returns when it has nothing to test
// (no operation with an id parameter, no second profile, --safe forbids
// every request it would send): the engine records the CheckRun as
// "skipped" with the reason instead of "failed".
type SkipError struct{ Reason string }

func (e *SkipError) Error() string { return "skipped: " + e.Reason }

// Skip returns a *SkipError with the reason.
func Skip(reason string) error { return &SkipError{Reason: reason} }

// IsSkip reports whether err is (or wraps) a *SkipError, and its reason.
func IsSkip(err error) (string, bool) {
	var se *SkipError
	if errors.As(err, &se) {
		return se.Reason, true
	}
	return "", false
}
