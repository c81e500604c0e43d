package report

import "unicode"

// unsafeRune reports whether a rune must not reach a terminal as is: C0
// and C1 controls and DEL (ESC starts escape sequences; CR and BS can
// overwrite what was printed), and the invisible format characters
// (category Cf: bidi overrides and isolates that reorder what is shown,
// zero-width characters that hide text).
func unsafeRune(c rune) bool {
	return unicode.IsControl(c) || unicode.Is(unicode.Cf, c) ||
		c == '\u2028' || c == '\u2029' // line and paragraph separators
}
