package injection

import "strings"

// Prototype pollution (CWE-1321).
//
// What it catches: object keys that make a JavaScript server (or a
// qs-style parser, lodash merge/set, jQuery extend) write to
// Object.prototype instead of the object: "__proto__" as a JSON key or a
// query/form name segment (a[__proto__][isAdmin]=1), "constructor" followed
// by "prototype" (constructor[prototype][x], constructor.prototype.x), and
// dotted paths in values that a server passes to a path setter
// ({"path": "__proto__.isAdmin"}).
//
// How: names (JSON keys, query, form and cookie names) are split into
// segments at '.', '[' and ']'; "__proto__" among them is strong, and so is
// "constructor" followed by "prototype". A JSON key that is exactly
// "constructor" or "prototype" is a weak signal: the two together in one
// request ({"constructor": {"prototype": {…}}}) reach the Medium threshold
// when the guard adds the request's matches up with Total.
//
// False-positive care: "__proto__" in a value counts only when the value is
// a path (no spaces); in prose or a code snippet it is a High-only hint.
// "constructor" alone is a word (Formula 1 teams are constructors).
//
// Tuning: keep it on for JavaScript back ends; disable "proto_pollution"
// if a route's keys are free-form by design and the back end is not
// JavaScript.
var protoDetector = detector{rule: ruleProto, contexts: valueContexts, detect: detectProto}

func detectProto(in *input, v *variant) hit {
	s := v.fold
	if !v.mask.any(cUnderscore) && !strings.Contains(s, "prototype") && !strings.Contains(s, "constructor") {
		return hit{}
	}
	isName := nameContexts.has(in.ctx)
	if i := strings.Index(s, "__proto__"); i >= 0 {
		h := hit{start: i, end: i + 9, inFold: true, reason: "__proto__"}
		switch {
		case isName, strings.IndexByte(strings.TrimSpace(s), ' ') < 0 && segmentAt(s, i, 9):
			h.score = scoreStrong
		case in.high():
			h.score = scoreWeak
		}
		return h
	}
	if i := strings.Index(s, "constructor"); i >= 0 {
		j := i + 11
		for j < len(s) && (s[j] == '.' || s[j] == '[' || s[j] == ']' || s[j] == '"' || s[j] == '\'') {
			j++
		}
		if j > i+11 && strings.HasPrefix(s[j:], "prototype") {
			h := hit{start: i, end: j + 9, inFold: true, reason: "constructor.prototype"}
			switch {
			case isName, strings.IndexByte(strings.TrimSpace(s), ' ') < 0:
				h.score = scoreStrong
			case in.high():
				h.score = scoreWeak
			}
			return h
		}
	}
	if in.ctx == JSONKey {
		switch strings.TrimSpace(s) {
		case "prototype":
			return hit{score: scoreWeak, start: 0, end: len(s), inFold: true, reason: "prototype key"}
		case "constructor":
			return hit{score: scoreWeak, start: 0, end: len(s), inFold: true, reason: "constructor key"}
		}
	}
	return hit{}
}

// segmentAt reports whether s[i:i+n] is a whole path segment: bounded by
// the ends of s or by '.', '[', ']' or quotes.
func segmentAt(s string, i, n int) bool {
	sep := func(c byte) bool { return c == '.' || c == '[' || c == ']' || c == '"' || c == '\'' || c == '/' }
	return (i == 0 || sep(s[i-1])) && (i+n == len(s) || sep(s[i+n]))
}
