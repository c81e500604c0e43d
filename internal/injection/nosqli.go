package injection

import "strings"

// NoSQL injection (CWE-943).
//
// What it catches: MongoDB-style query operators smuggled into a query
// object: JSON keys such as {"password": {"$ne": null}}, query and form
// names such as user[$ne]=x or password[$regex]=.*, operator objects inside
// string values ('{"$gt": ""}'), and server-side JavaScript ($where,
// $function) break-outs such as "'; return true; var a='", "' || '1'=='1"
// and "this.password.match(/.*/)".
//
// How: operator names are matched exactly (Mongo operators are case
// sensitive), as a whole JSON key, as a bracketed name segment, or as a
// quoted key inside a value. JavaScript break-outs need a quote followed by
// a statement or a JavaScript comparison.
//
// False-positive care: other "$" keys (JSON Schema's $schema, $ref, $id)
// pass. Code snippets such as "if (a < b) { return; }" pass: a return only
// counts right after a quote and ';'. "==" between two equal quoted strings
// is JavaScript, not SQL, so it is specific.
//
// Tuning: disable "nosqli" on routes that accept query documents by design
// (a search API taking Mongo filters).
var nosqliDetector = detector{rule: ruleNoSQLi, contexts: valueContexts, detect: detectNoSQLi}

// mongoOperators are the query and expression operators that change what a
// filter matches or run code.
var mongoOperators = []string{"$ne", "$eq", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$regex",
	"$where", "$expr", "$exists", "$not", "$nor", "$or", "$and", "$elemmatch", "$all", "$size",
	"$type", "$mod", "$text", "$function", "$accumulator", "$jsonschema", "$options", "$lookup",
	"$comment", "$search"}

func isMongoOperator(s string) bool {
	for _, op := range mongoOperators {
		if len(s) == len(op) && strings.EqualFold(s, op) {
			return true
		}
	}
	return false
}

func detectNoSQLi(in *input, v *variant) hit {
	var best hit
	s := v.text
	if v.mask.any(cDollar) {
		if in.ctx == JSONKey && isMongoOperator(strings.TrimSpace(s)) {
			return hit{score: scoreStrong, start: 0, end: len(s), reason: "operator key"}
		}
		if v.mask.any(cBracket) {
			nosqlBracketOperator(s, &best)
		}
		if best.score < scoreStrong && v.mask.any(cQuote|cLBrace) {
			nosqlOperatorObject(s, &best)
		}
	}
	if best.score < scoreStrong && v.mask.any(cQuote) {
		nosqlJSBreakout(v.fold, &best)
	}
	if best.score < scoreStrong && v.mask.any(cDot) && v.mask.any(cParen) {
		nosqlThisMatch(in, v.fold, &best)
	}
	return best
}

// nosqlBracketOperator finds "[$op]": a query or form name that qs-style
// parsers (Express, PHP, Rails) turn into {name: {$op: value}}.
func nosqlBracketOperator(s string, best *hit) {
	for i := strings.Index(s, "[$"); i >= 0; {
		end := strings.IndexByte(s[i:], ']')
		if end > 0 && isMongoOperator(s[i+1:i+end]) {
			best.offer(hit{score: scoreStrong, start: i, end: i + end + 1, reason: "operator name"})
			return
		}
		next := strings.Index(s[i+2:], "[$")
		if next < 0 {
			return
		}
		i += 2 + next
	}
}

// nosqlOperatorObject finds an operator used as a key inside a value:
// {"$ne": 1}, {$gt: ""}, "$where": "…".
func nosqlOperatorObject(s string, best *hit) {
	for i := strings.IndexByte(s, '$'); i >= 0; {
		e := i + 1
		for e < len(s) && isAlpha(s[e]) {
			e++
		}
		if isMongoOperator(s[i:e]) {
			k := e
			if k < len(s) && (s[k] == '"' || s[k] == '\'') {
				k++
			}
			k = skipSpace(s, k)
			p := skipSpaceBack(s, i-1)
			if p >= 0 && (s[p] == '"' || s[p] == '\'') {
				p = skipSpaceBack(s, p-1)
			}
			if k < len(s) && s[k] == ':' && p >= 0 && (s[p] == '{' || s[p] == ',') {
				best.offer(hit{score: scoreStrong, start: i, end: k + 1, reason: "operator object"})
				return
			}
		}
		next := strings.IndexByte(s[i+1:], '$')
		if next < 0 {
			return
		}
		i += 1 + next
	}
}

// jsStatements are JavaScript statements that follow a quote break-out in
// a $where clause.
var jsStatements = []string{"return", "while", "sleep(", "var ", "let ", "const ", "function", "this.", "db.", "throw"}

// nosqlJSBreakout finds a quote that closes a JavaScript string followed by
// ';' and a statement ("'; return true; var a='"), or by || / && and a
// JavaScript-only comparison ("' || '1'=='1", "' && this.x").
func nosqlJSBreakout(s string, best *hit) {
	for i := 0; i < len(s); i++ {
		q := s[i]
		if q != '\'' && q != '"' {
			continue
		}
		j := skipSpace(s, i+1)
		switch {
		case j < len(s) && s[j] == ';':
			k := skipSpace(s, j+1)
			for _, st := range jsStatements {
				if strings.HasPrefix(s[k:], st) && (st[len(st)-1] == ' ' || st[len(st)-1] == '(' || st[len(st)-1] == '.' || k+len(st) == len(s) || !isIdent(s[k+len(st)])) {
					best.offer(hit{score: scoreStrong, start: i, end: k + len(st), inFold: true, reason: "javascript breakout"})
					return
				}
			}
		case strings.HasPrefix(s[j:], "||"), strings.HasPrefix(s[j:], "&&"):
			k := skipSpace(s, j+2)
			if strings.HasPrefix(s[k:], "this.") || jsEqualStrings(s, k) || strings.HasPrefix(s[k:], "true") || strings.HasPrefix(s[k:], "1==1") {
				best.offer(hit{score: scoreStrong, start: i, end: min(len(s), k+8), inFold: true, reason: "javascript breakout"})
				return
			}
		}
	}
}

// jsEqualStrings reports whether s[i:] is 'x'=='x' (or with "), the
// JavaScript form of a tautology.
func jsEqualStrings(s string, i int) bool {
	a, aEnd := sqlOperand(s, i)
	if a.kind != operandString || !strings.HasPrefix(s[skipSpace(s, aEnd):], "==") {
		return false
	}
	k := skipSpace(s, aEnd) + 2
	if k < len(s) && s[k] == '=' {
		k++
	}
	b, _ := sqlOperand(s, skipSpace(s, k))
	return b.kind == operandString && a.text == b.text
}

// nosqlThisMatch finds $where-style JavaScript probing a document:
// this.password.match(…), this.x.length, sleep() in a where clause.
func nosqlThisMatch(in *input, s string, best *hit) {
	i := strings.Index(s, "this.")
	if i < 0 || (i > 0 && isIdent(s[i-1])) {
		return
	}
	e := identEnd(s, i+5)
	if e == i+5 {
		return
	}
	rest := s[e:]
	switch {
	case strings.HasPrefix(rest, ".match("), strings.HasPrefix(rest, ".length"), strings.HasPrefix(rest, "[0]"):
		best.offer(hit{score: scoreLikely, start: i, end: e + 7, inFold: true, reason: "where clause"})
	case in.high() && (strings.HasPrefix(rest, "==") || strings.HasPrefix(rest, "!=")):
		best.offer(hit{score: scoreWeak, start: i, end: e + 2, inFold: true, reason: "where clause"})
	}
}
