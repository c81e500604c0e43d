package injection

import "strings"

// XPath injection (CWE-643).
//
// What it catches: values that rewrite an XPath query they are pasted
// into, such as //user[name/text()='" + input + "']: string break-outs
// with an always-true predicate ("' or '1'='1", "' or 1=1 or '"), break-outs
// into XPath functions used for blind extraction ("' or count(/*)=1 or
// '", "' and string-length(name(/*[1]))=4 or '", substring(…)), union of
// node sets ("'] | //* | //*['"), and axis walks (/child::node(),
// /descendant::*).
//
// How: the quote-break tautology is shared with SQL (the overlap is
// expected: one value can be aimed at both). What is specific to XPath is
// its function and axis vocabulary, which counts when it follows a quote
// break, a boolean operator or a path step.
//
// False-positive care: "count(items)" in a code snippet and a lone "//"
// in a URL pass: functions need a quote break, an operator or a path
// argument, and path expressions need a predicate or an axis.
//
// Tuning: disable "xpathi" on routes that accept XPath by design.
var xpathiDetector = detector{rule: ruleXPathi, contexts: valueContexts, detect: detectXPathi}

// xpathFunctions are XPath 1.0 functions used to probe a document blindly,
// by name (found before each '(').
var xpathFunctions = map[string]bool{"count": true, "string-length": true, "substring": true,
	"name": true, "local-name": true, "namespace-uri": true, "contains": true, "starts-with": true,
	"normalize-space": true, "string": true, "position": true, "last": true}

// xpathAxes are XPath axis names (found before each "::") and node tests
// (found before each "()").
var (
	xpathAxes = map[string]bool{"child": true, "descendant": true, "descendant-or-self": true,
		"ancestor": true, "ancestor-or-self": true, "following-sibling": true,
		"preceding-sibling": true, "following": true, "preceding": true, "parent": true,
		"self": true, "attribute": true}
	xpathNodeTests = map[string]bool{"node": true, "text": true, "comment": true}
)

// xpathNameBefore returns the start of the XPath name (letters, digits,
// '_', '-') that ends at end, bounded to 32 bytes.
func xpathNameBefore(s string, end int) int {
	i := end - 1
	for i >= 0 && end-i <= 32 && (isIdent(s[i]) || s[i] == '-') {
		i--
	}
	return i + 1
}

func detectXPathi(in *input, v *variant) hit {
	if !v.mask.any(cQuote | cParen | cSlash | cBracket | cColon) {
		return hit{}
	}
	s := v.fold
	var best hit
	if v.mask.any(cQuote) {
		xpathQuoteBreak(s, &best)
	}
	if best.score < scoreStrong && v.mask.any(cParen) {
		xpathFunctionCalls(in, s, &best)
	}
	if best.score < scoreStrong && v.mask.any(cSlash|cColon) {
		xpathPaths(in, s, &best)
	}
	return best
}

// xpathQuoteBreak finds a quote followed by or/and and a string equality
// ("' or '1'='1", "' or 1=1 or '"), or by "] |" to union another node set.
func xpathQuoteBreak(s string, best *hit) {
	for i := 0; i < len(s); i++ {
		if q := s[i]; q != '\'' && q != '"' {
			continue
		}
		j := skipSpace(s, i+1)
		if j < len(s) && s[j] == ']' {
			k := skipSpace(s, j+1)
			if k < len(s) && s[k] == '|' {
				best.offer(hit{score: scoreStrong, start: i, end: k + 1, inFold: true, reason: "node-set union"})
				return
			}
		}
		op := boolOpAt(s, min(j, len(s)-1))
		if j >= len(s) || op < 0 {
			continue
		}
		a, aEnd := sqlOperand(s, skipSpace(s, op))
		cmp, cmpEnd := comparisonAt(s, skipSpace(s, aEnd))
		if a.kind != operandString || cmp != "=" {
			continue
		}
		b, bEnd := sqlOperand(s, skipSpace(s, cmpEnd))
		if b.kind == operandString && a.text == b.text {
			best.offer(hit{score: scoreStrong, start: i, end: bEnd, inFold: true, reason: "string tautology"})
			return
		}
	}
}

// xpathFunctionCalls finds XPath functions after a quote break or boolean
// operator (strong), or with a path argument ("count(/*)", "name(/*[1])"):
// likely.
func xpathFunctionCalls(in *input, s string, best *hit) {
	firstQuote := strings.IndexAny(s, "'\"")
	for p := strings.IndexByte(s, '('); p >= 0; {
		i := xpathNameBefore(s, p)
		if i < p && xpathFunctions[s[i:p]] && (i == 0 || s[i-1] != '.') {
			arg := skipSpace(s, p+1)
			pathArg := arg < len(s) && (s[arg] == '/' || s[arg] == '.' && arg+1 < len(s) && s[arg+1] == '/')
			nested := false
			if e := xpathNameEnd(s, arg); e > arg && e < len(s) && s[e] == '(' && xpathFunctions[s[arg:e]] {
				nested = true
			}
			q := skipSpaceBack(s, i-1)
			afterOp := q >= 1 && (wordAt(s, q-1, "or") || (q >= 2 && wordAt(s, q-2, "and")))
			quoteBefore := firstQuote >= 0 && firstQuote < i
			h := hit{start: i, end: arg, inFold: true, reason: "xpath function"}
			switch {
			case afterOp && quoteBefore && (pathArg || nested):
				h.score = scoreStrong
			case pathArg || nested:
				h.score = scoreLikely
			case afterOp && quoteBefore && in.high():
				h.score = scoreWeak
			}
			best.offer(h)
			if best.score >= scoreStrong {
				return
			}
		}
		next := strings.IndexByte(s[p+1:], '(')
		if next < 0 {
			return
		}
		p += 1 + next
	}
}

// xpathNameEnd returns the end of the XPath name starting at i.
func xpathNameEnd(s string, i int) int {
	for i < len(s) && (isIdent(s[i]) || s[i] == '-') {
		i++
	}
	return i
}

// xpathPaths finds axis steps after a slash ("/child::node()") and
// predicates on a descendant path ("//user[", "/*[1]").
func xpathPaths(in *input, s string, best *hit) {
	axis := func(sep string, names map[string]bool) bool {
		for p := strings.Index(s, sep); p >= 0; {
			i := xpathNameBefore(s, p)
			if i > 0 && i < p && names[s[i:p]] && strings.IndexByte("/(|[", s[i-1]) >= 0 {
				best.offer(hit{score: scoreLikely, start: i - 1, end: p + len(sep), inFold: true, reason: "xpath axis"})
				return true
			}
			next := strings.Index(s[p+len(sep):], sep)
			if next < 0 {
				return false
			}
			p += len(sep) + next
		}
		return false
	}
	if !axis("::", xpathAxes) {
		axis("()", xpathNodeTests)
	}
	for _, p := range []string{"//*", "/*["} {
		if i := strings.Index(s, p); i >= 0 && (i == 0 || s[i-1] != ':') {
			best.offer(hit{score: scoreLikely, start: i, end: i + len(p), inFold: true, reason: "xpath path"})
		}
	}
	// "//name[": a descendant step with a predicate. With a comparison
	// inside ("//user[name='a']") it is a query: likely; otherwise a hint.
	if best.score < scoreLikely || in.high() {
		for i := strings.Index(s, "//"); i >= 0; {
			e := identEnd(s, i+2)
			if e > i+2 && e < len(s) && s[e] == '[' && (i == 0 || s[i-1] != ':') {
				pred := s[e:min(len(s), e+maxOperand)]
				if end := strings.IndexByte(pred, ']'); end > 0 && strings.IndexByte(pred[:end], '=') > 0 {
					best.offer(hit{score: scoreLikely, start: i, end: e + end + 1, inFold: true, reason: "xpath predicate"})
					return
				}
				if in.high() {
					best.offer(hit{score: scoreWeak, start: i, end: e + 1, inFold: true, reason: "xpath path"})
				}
			}
			next := strings.Index(s[i+2:], "//")
			if next < 0 {
				return
			}
			i += 2 + next
		}
	}
}
