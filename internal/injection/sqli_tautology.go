package injection

import "strings"

// Tautologies and blind-injection comparisons ("or 1=1", "and 'a'='a'"),
// split from sqli.go: the operand and operator scanning is the largest
// part of the SQL injection detector.

// sqliComparison finds a boolean operator followed by a comparison of two
// operands: "or 1=1", "and 'a'='a'", "|| 3>2". Equal literals (or unequal
// ones under != / <>) are tautologies: strong. Other literal comparisons
// are blind-injection probes: likely after a boundary, weak otherwise.
func sqliComparison(in *input, s string, best *hit) {
	// A comparison needs a comparison operator, and the boolean operator
	// that introduces it is at most a short distance before it: scan only
	// the window before each '=', '<' or '>', each byte once.
	done := 0
	for p := 0; p < len(s); p++ {
		if c := s[p]; c != '=' && c != '<' && c != '>' {
			continue
		}
		from := max(done, p-comparisonWindow)
		for i := from; i < p; i++ {
			sqliComparisonAt(in, s, i, best)
			if best.score >= scoreStrong {
				return
			}
		}
		done = p
	}
}

// comparisonWindow bounds the distance between a boolean operator and the
// comparison operator after it: two operands of at most maxOperand bytes
// and some space.
const comparisonWindow = maxOperand + 16

// sqliComparisonAt checks for "<boolean operator> A <cmp> B" at i.
func sqliComparisonAt(in *input, s string, i int, best *hit) {
	opEnd := boolOpAt(s, i)
	if opEnd < 0 {
		return
	}
	a, aEnd := sqlOperand(s, skipSpace(s, opEnd))
	if a.kind == operandNone {
		return
	}
	cmp, cmpEnd := comparisonAt(s, skipSpace(s, aEnd))
	if cmp == "" {
		return
	}
	b, bEnd := sqlOperand(s, skipSpace(s, cmpEnd))
	if b.kind == operandNone {
		return
	}
	h := hit{start: i, end: bEnd, inFold: true, reason: "boolean comparison"}
	literals := a.kind != operandIdent && b.kind != operandIdent
	negated := cmp == "!=" || cmp == "<>" || cmp == "^"
	equalOp := cmp == "=" || cmp == "==" || cmp == "<=>" || cmp == "like" || cmp == "is"
	switch {
	case literals && ((equalOp && a.text == b.text) || (negated && a.text != b.text)):
		h.score, h.reason = scoreStrong, "tautology"
	case a.kind == operandIdent && b.kind == operandIdent && a.text == b.text && equalOp:
		h.score, h.reason = scoreLikely, "tautology"
	case literals && boundaryBefore(s, i):
		h.score = scoreLikely
	case literals && in.high():
		h.score = scoreWeak
	}
	best.offer(h)
}

// boolOpAt returns the end of a boolean operator (or, and, xor, ||, &&)
// or of a keyword that introduces a condition (where, having, when, if(,
// iif(), starting at i, or -1.
func boolOpAt(s string, i int) int {
	switch c := s[i]; c {
	case 'w':
		if wordAt(s, i, "where") {
			return i + 5
		}
		if wordAt(s, i, "when") {
			return i + 4
		}
	case 'h':
		if wordAt(s, i, "having") {
			return i + 6
		}
	case 'i':
		if wordAt(s, i, "if") && i+2 < len(s) && s[i+2] == '(' {
			return i + 3
		}
		if wordAt(s, i, "iif") && i+3 < len(s) && s[i+3] == '(' {
			return i + 4
		}
	case 'o':
		if wordAt(s, i, "or") {
			return i + 2
		}
	case 'a':
		if wordAt(s, i, "and") {
			return i + 3
		}
	case 'x':
		if wordAt(s, i, "xor") {
			return i + 3
		}
	case '|', '&':
		if i+1 < len(s) && s[i+1] == c {
			return i + 2
		}
	}
	return -1
}

type operandKind uint8

const (
	operandNone operandKind = iota
	operandNumber
	operandString
	operandIdent
)

type operand struct {
	kind operandKind
	text string
}

// maxOperand bounds how far an operand is read.
const maxOperand = 64

// sqlOperand reads a number, a quoted string (an unterminated one runs to
// the end: the application's own quote closes it), or an identifier at i.
// Parentheses around it are skipped.
func sqlOperand(s string, i int) (operand, int) {
	for i < len(s) && s[i] == '(' {
		i = skipSpace(s, i+1)
	}
	if i >= len(s) {
		return operand{}, i
	}
	c := s[i]
	switch {
	case c == '\'' || c == '"' || c == '`':
		end := i + 1
		for end < len(s) && end-i < maxOperand && s[end] != c {
			end++
		}
		text := s[i+1 : end]
		if end < len(s) && s[end] == c {
			end++
		}
		return operand{operandString, text}, end
	case isDigit(c) || (c == '-' && i+1 < len(s) && isDigit(s[i+1])):
		end := i + 1
		for end < len(s) && end-i < maxOperand && (isDigit(s[end]) || s[end] == '.' || s[end] == 'x' || isHex(s[end])) {
			end++
		}
		if end < len(s) && isAlpha(s[end]) {
			return operand{}, i // "1st", "2nd": words, not numbers
		}
		return operand{operandNumber, s[i:end]}, end
	case isAlpha(c) || c == '_' || c == '@':
		end := i + 1
		for end < len(s) && end-i < maxOperand && (isIdent(s[end]) || s[end] == '.' || s[end] == '@') {
			end++
		}
		return operand{operandIdent, s[i:end]}, end
	}
	return operand{}, i
}

// comparisonAt returns the comparison operator at i and its end.
func comparisonAt(s string, i int) (string, int) {
	for _, op := range []string{"<=>", "==", "!=", "<>", ">=", "<=", "=", "<", ">", "^"} {
		if strings.HasPrefix(s[i:], op) {
			return op, i + len(op)
		}
	}
	for _, op := range []string{"like", "rlike", "regexp", "is"} {
		if wordAt(s, i, op) {
			return op, i + len(op)
		}
	}
	return "", i
}

// boundaryBefore reports whether the token before i ends an injected
// context: a quote, a closing parenthesis, a number, or nothing at all.
func boundaryBefore(s string, i int) bool {
	j := skipSpaceBack(s, i-1)
	if j < 0 {
		return true
	}
	switch c := s[j]; {
	case c == '\'' || c == '"' || c == '`' || c == ')' || c == ';':
		return true
	case isDigit(c):
		k := j
		for k >= 0 && isDigit(s[k]) {
			k--
		}
		return k < 0 || !isIdent(s[k])
	}
	return false
}
