package openapi

import (
	"regexp/syntax"
	"unicode"
)

// maxPatternNodes bounds the work of analysing one pattern.
const maxPatternNodes = 512

// strictPattern reports whether every string a JSON Schema pattern
// accepts is made only of characters that cannot carry an injection:
// ASCII letters, digits, '_' and '-'. That holds when the pattern
//
//   - is anchored at both ends of the text: "^" first and "$" last at the
//     top level, outside any alternation, without the (?m) flag (JSON
//     Schema patterns are unanchored searches, and Go's "$" matches only
//     at the very end of the text, never before a final newline);
//   - uses only literals, character classes, groups, alternation and
//     repetition in between, no "." or other anchors or assertions;
//   - and every literal and class stays within [A-Za-z0-9_-], case-folded
//     variants included ((?i)k also matches U+212A KELVIN SIGN).
//
// So ^[A-Za-z0-9_-]{1,64}$ and ^[A-Z]{3}-[0-9]{4}$ are strict;
// ^.*$, ^[a-z ]+$ (a space lets "1 or 1" through), ^[\w.]+$ ("." lets
// ".." through), [a-z]+ (unanchored) and ^a|b$ (the anchors belong to
// the alternatives) are not. What is left can still
// form SQL's "--" comment after a number: the injection detector's other
// rules and the upstream's use of parameters must cover that; no quote,
// bracket, separator, operator, slash, dot, percent sign or whitespace
// ever passes.
func strictPattern(pattern string) bool {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil || re.Op != syntax.OpConcat || len(re.Sub) < 2 {
		return false
	}
	first, last := re.Sub[0], re.Sub[len(re.Sub)-1]
	if first.Op != syntax.OpBeginText || last.Op != syntax.OpEndText {
		return false
	}
	budget := maxPatternNodes
	for _, sub := range re.Sub[1 : len(re.Sub)-1] {
		if !safeNode(sub, &budget) {
			return false
		}
	}
	return true
}

// safeNode reports whether a pattern node matches only safe characters.
func safeNode(n *syntax.Regexp, budget *int) bool {
	*budget--
	if *budget < 0 {
		return false
	}
	switch n.Op {
	case syntax.OpEmptyMatch, syntax.OpNoMatch:
		return true
	case syntax.OpLiteral:
		for _, r := range n.Rune {
			if !safeRune(r) || n.Flags&syntax.FoldCase != 0 && !safeFold(r) {
				return false
			}
		}
		return true
	case syntax.OpCharClass:
		for i := 0; i+1 < len(n.Rune); i += 2 {
			if !safeRange(n.Rune[i], n.Rune[i+1]) {
				return false
			}
		}
		return true
	case syntax.OpCapture, syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat,
		syntax.OpConcat, syntax.OpAlternate:
		for _, sub := range n.Sub {
			if !safeNode(sub, budget) {
				return false
			}
		}
		return true
	}
	// ".", anchors inside the pattern, \b, \B.
	return false
}

// safeRanges are the characters a strict pattern may accept.
var safeRanges = [][2]rune{{'-', '-'}, {'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}}

func safeRune(r rune) bool { return safeRange(r, r) }

// safeRange reports whether [lo, hi] lies within one safe range (they are
// not adjacent, so a range spanning two would include an unsafe one).
func safeRange(lo, hi rune) bool {
	for _, s := range safeRanges {
		if lo >= s[0] && hi <= s[1] {
			return true
		}
	}
	return false
}

// safeFold reports whether every case variant of r is safe.
func safeFold(r rune) bool {
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if !safeRune(f) {
			return false
		}
	}
	return true
}
