package injection

import (
	"strings"

	libinjection "github.com/corazawaf/libinjection-go"
)

// SQL injection (CWE-89).
//
// What it catches: input that changes the structure of the SQL statement it
// is pasted into: quote breaks followed by boolean logic ("' or '1'='1"),
// UNION-based extraction, stacked statements ("1; DROP TABLE users"),
// time-based blind probes (SLEEP(5), WAITFOR DELAY, pg_sleep), error-based
// and out-of-band functions (extractvalue, xp_cmdshell, into outfile) and
// catalogue access (information_schema).
//
// How: libinjection-go tokenises the value as SQL in several quote contexts
// and compares the token fingerprint with a list learned from real attacks;
// it is precise on prose and catches most attack shapes (strong). Rules
// written here add what a fingerprint cannot see: tautologies anywhere in a
// longer value ("… and 1234=1234"), UNION SELECT with its select list,
// stacked statements, and dangerous functions. The SQL-comment-stripped
// variant undoes "UN/**/ION" and "/*!50000SELECT*/" obfuscation.
//
// False-positive care: a function or statement keyword alone is never
// enough at Medium: it needs an injection boundary right before it (a quote,
// a closing parenthesis, a number, an operator), so "drop table tennis
// results", "select the best or worst", "O'Brien" and "time.sleep(5)" in a
// code snippet pass. Comparisons of two literals count fully only when they
// are tautologies (1=1, 'a'='a'); other comparisons need a boundary.
// Keywords without any shape ("select … from" in prose) are weak, High only.
//
// Tuning: disable "sqli" for a route that legitimately takes SQL (a query
// console), or lower the sensitivity for free-text fields.
var sqliDetector = detector{rule: ruleSQLi, contexts: valueContexts, sqlComments: true, detect: detectSQLi}

func detectSQLi(in *input, v *variant) hit {
	if !mayBeSQL(v) {
		return hit{} // no punctuation and no SQL keyword: no rule below can match either
	}
	var best hit
	if ok, fp := libinjection.IsSQLi(v.text); ok {
		at := max(strings.IndexAny(v.text, "'\";)#"), 0)
		h := hit{score: scoreStrong, start: at, end: at + 24, reason: "libinjection"}
		if proseContext(in.ctx) && !breakoutFingerprint(fp) {
			// A bare expression ("count(items) > 3", "if (a || b)") is
			// injectable only where a value is pasted into SQL unquoted,
			// as ids in a URL are; in text fields it is code or prose.
			h.score = 0
			if in.high() {
				h.score = scoreWeak
			}
		}
		best.offer(h)
		if best.score >= scoreStrong {
			return best
		}
	}
	s := v.fold
	sqliUnion(in, s, &best)
	if best.score < scoreStrong && v.mask.any(cEq|cLT|cGT) {
		sqliComparison(in, s, &best)
	}
	if best.score < scoreStrong && v.mask.any(cSemi) {
		sqliStacked(in, s, &best)
	}
	if best.score < scoreStrong && v.mask.any(cQuote) {
		sqliQuoteComment(s, &best)
	}
	if best.score < scoreStrong {
		sqliFunctions(in, s, v.mask, &best)
	}
	if best.score == 0 && in.high() {
		sqliKeywords(s, &best)
	}
	return best
}

// proseContext reports whether values in ctx are free text (JSON strings,
// form fields, XML text, bodies) rather than identifiers and parameters.
func proseContext(ctx Context) bool {
	switch ctx {
	case JSONValue, Form, Text, XMLText, XMLAttr:
		return true
	}
	return false
}

// breakoutFingerprint reports whether a libinjection fingerprint shows an
// escape from the context a value is pasted into: a string token (a quote
// break), a comment, a statement separator, UNION, a MySQL executable
// comment ('X', libinjection's "evil" token), or a number first (a numeric
// parameter followed by SQL).
func breakoutFingerprint(fp string) bool {
	return strings.ContainsAny(fp, "sc;UX") || (fp != "" && (fp[0] == '1' || fp[0] == 'v'))
}

// sqlPunctuation is every byte of the value's mask that SQL syntax uses.
const sqlPunctuation = ^(cUpper | cFoldWS | cDigit | cHigh | cUnderscore)

// plainSQLKeywords are the SQL words that can build an injection out of
// words and numbers alone, without any punctuation ("1 union select 1",
// "1 having 1", "1 procedure analyse").
var plainSQLKeywords = map[string]bool{
	"union": true, "select": true, "or": true, "and": true, "xor": true, "not": true, "having": true,
	"limit": true, "procedure": true, "order": true, "group": true, "into": true, "waitfor": true,
	"delay": true, "sleep": true, "exec": true, "execute": true, "declare": true, "drop": true,
	"delete": true, "insert": true, "update": true, "truncate": true, "alter": true, "create": true,
	"shutdown": true, "from": true, "where": true, "like": true, "rlike": true, "regexp": true,
	"between": true, "is": true, "null": true, "case": true, "when": true, "then": true, "else": true,
	"end": true, "if": true, "in": true, "div": true, "mod": true, "goto": true, "raiseerror": true,
	"raiserror": true, "begin": true, "set": true, "print": true, "while": true, "grant": true,
	"intersect": true, "except": true, "call": true, "go": true, "as": true, "by": true, "asc": true,
	"desc": true, "true": true, "false": true, "outfile": true, "dumpfile": true, "benchmark": true,
	"collate": true, "escape": true, "sounds": true, "offset": true, "top": true, "distinct": true,
	"all": true, "any": true, "some": true, "exists": true, "with": true, "values": true,
	"table": true, "database": true, "load_file": true, "pg_sleep": true, "float": true,
	"sysobjects": true, "syscolumns": true, "continue": true, "exit": true, "leave": true,
}

// mayBeSQL is the SQL detector's fast path. libinjection-go allocates for
// every word it looks up, so values that cannot be SQL injection skip it:
// a value of letters, digits, underscores and spaces only is SQL only if
// one of its words is an SQL keyword (a single such token never is: it
// has no operator, and libinjection flags none; see the tests).
func mayBeSQL(v *variant) bool {
	if v.mask.any(sqlPunctuation) {
		return true
	}
	s := v.fold
	for i := 0; i < len(s); {
		for i < len(s) && !isIdent(s[i]) {
			i++
		}
		e := identEnd(s, i)
		if e > i && e-i <= 10 && plainSQLKeywords[s[i:e]] {
			return true
		}
		i = e
	}
	return false
}

// sqliUnion finds UNION [ALL|DISTINCT] SELECT followed by a select list
// shape (a number, NULL, *, @@var, a function call, a quote, or a column
// list): strong; a bare "union select" in prose is weak.
func sqliUnion(in *input, s string, best *hit) {
	for i := indexWord(s, "union", 0); i >= 0; i = indexWord(s, "union", i+5) {
		j := skipSpace(s, i+5)
		if w := anyWordAt(s, j, []string{"all", "distinct"}); w != "" {
			j = skipSpace(s, j+len(w))
		}
		for j < len(s) && s[j] == '(' {
			j = skipSpace(s, j+1)
		}
		if !wordAt(s, j, "select") {
			continue
		}
		k := skipSpace(s, j+6)
		if selectListShape(s, k) {
			best.offer(hit{score: scoreStrong, start: i, end: k, inFold: true, reason: "union select"})
			return
		}
		if in.high() {
			best.offer(hit{score: scoreWeak, start: i, end: k, inFold: true, reason: "union select"})
		}
	}
}

// selectListShape reports whether s[i:] starts like an injected select
// list: digits, null, *, @@, a quote, '(', a function call or a comma list.
func selectListShape(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	switch c := s[i]; {
	case isDigit(c), c == '*', c == '@', c == '\'', c == '"', c == '(', c == '-', c == '`':
		return true
	}
	if wordAt(s, i, "null") || wordAt(s, i, "all") || wordAt(s, i, "distinct") {
		return true
	}
	e := identEnd(s, i)
	if e == i {
		return false
	}
	j := skipSpace(s, e)
	// name( or name, or name from
	return j < len(s) && (s[j] == '(' || s[j] == ',') || wordAt(s, j, "from")
}

// stackedStatements are statements an attacker appends after ';', with the
// word that must follow for the statement to be SQL rather than English.
var stackedStatements = []struct{ verb, next string }{
	{"drop", "table"}, {"drop", "database"}, {"drop", "schema"}, {"drop", "view"}, {"drop", "user"},
	{"drop", "procedure"}, {"drop", "function"}, {"delete", "from"}, {"insert", "into"},
	{"truncate", "table"}, {"alter", "table"}, {"alter", "user"}, {"alter", "database"},
	{"create", "table"}, {"create", "user"}, {"create", "database"}, {"create", "procedure"},
	{"create", "function"}, {"create", "trigger"}, {"create", "login"}, {"declare", "@"},
	{"exec", "xp_"}, {"exec", "sp_"}, {"exec", "master"}, {"exec", "("}, {"exec", "@"},
	{"execute", "xp_"}, {"execute", "sp_"}, {"execute", "immediate"}, {"shutdown", ""},
	{"waitfor", "delay"}, {"waitfor", "time"}, {"select", ""}, {"update", ""},
	{"grant", "all"}, {"load", "data"}, {"copy", ""}, {"call", ""},
}

// sqliStacked finds "; <statement>". After a boundary (quote, number,
// parenthesis, or at the start) it is strong; after a word, weak.
func sqliStacked(in *input, s string, best *hit) {
	for i := strings.IndexByte(s, ';'); i >= 0; {
		j := skipSpace(s, i+1)
		for _, st := range stackedStatements {
			if !wordAt(s, j, st.verb) {
				continue
			}
			k := skipSpace(s, j+len(st.verb))
			ok := false
			switch st.verb {
			case "select":
				ok = selectListShape(s, k)
			case "update":
				e := identEnd(s, k)
				ok = e > k && wordAt(s, skipSpace(s, e), "set")
			case "shutdown":
				ok = k >= len(s) || s[k] == '-' || s[k] == '#' || s[k] == ';' || wordAt(s, k, "with")
			case "copy", "call":
				e := identEnd(s, k)
				ok = e > k && skipSpace(s, e) < len(s) && (s[skipSpace(s, e)] == '(' || wordAt(s, skipSpace(s, e), "from") || wordAt(s, skipSpace(s, e), "to"))
			default:
				ok = strings.HasPrefix(s[k:], st.next) && (len(st.next) == 1 || st.next[len(st.next)-1] == '_' || wordAt(s, k, st.next))
			}
			if !ok {
				continue
			}
			h := hit{start: i, end: k + len(st.next), inFold: true, reason: "stacked query"}
			if boundaryBefore(s, i) {
				h.score = scoreStrong
			} else if in.high() {
				h.score = scoreWeak
			}
			best.offer(h)
			break
		}
		next := strings.IndexByte(s[i+1:], ';')
		if next < 0 {
			break
		}
		i += 1 + next
	}
}

// sqliQuoteComment finds a quote closed by a comment that ends the value:
// "admin'--", "admin' #", "x')/*": the classic way to cut the rest of the
// statement off after breaking out of a string.
func sqliQuoteComment(s string, best *hit) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != '\'' && c != '"' {
			continue
		}
		j := skipSpace(s, i+1)
		for j < len(s) && s[j] == ')' {
			j = skipSpace(s, j+1)
		}
		var rest int
		switch {
		case strings.HasPrefix(s[j:], "--"):
			rest = j + 2
		case strings.HasPrefix(s[j:], "#"):
			rest = j + 1
		case strings.HasPrefix(s[j:], "/*"):
			rest = j + 2
		default:
			continue
		}
		// Only the comment's own text may follow, and briefly.
		if len(s)-rest <= 16 && !strings.ContainsAny(s[rest:], "'\"") && i > 0 {
			best.offer(hit{score: scoreStrong, start: i, end: len(s), inFold: true, reason: "quote then comment"})
			return
		}
	}
}

// sqlFunction is a SQL function or construct attackers use: the score it
// earns without an injection boundary before it (with one it is strong),
// and whether a number must follow ("sleep(5)").
type sqlFunction struct {
	alone     int
	needDigit bool
}

// sqlCalls are functions, found at each '(' by the name before it.
var sqlCalls = map[string]sqlFunction{
	"sleep": {scoreWeak, true}, "pg_sleep": {scoreLikely, true}, "benchmark": {scoreLikely, true},
	"randomblob": {scoreLikely, true}, "dbms_lock.sleep": {scoreLikely, true},
	"dbms_pipe.receive_message": {scoreLikely, false}, "load_file": {scoreLikely, false},
	"utl_http.request": {scoreLikely, false}, "utl_inaddr.get_host_address": {scoreLikely, false},
	"utl_inaddr.get_host_name": {scoreLikely, false}, "extractvalue": {scoreLikely, false},
	"updatexml": {scoreLikely, false}, "group_concat": {scoreLikely, false},
	"version": {scoreWeak, false}, "database": {scoreWeak, false}, "user": {scoreWeak, false},
	"char": {scoreWeak, true}, "chr": {scoreWeak, true}, "concat": {scoreWeak, false},
	"substring": {0, false}, "ascii": {0, false}, "if": {0, false}, "iif": {0, false},
}

// sqlPhrases are constructs without a call, found by substring: their
// first word, and the rest that must follow it.
var sqlPhrases = []struct {
	word, rest string
	alone      int
	need       charMask // a byte the phrase contains, to skip the search
}{
	{"waitfor", " delay ", scoreLikely, 0}, {"waitfor", " time ", scoreLikely, 0},
	{"into", " outfile", scoreLikely, 0}, {"into", " dumpfile", scoreLikely, 0},
	{"xp_cmdshell", "", scoreLikely, cUnderscore}, {"sp_executesql", "", scoreLikely, cUnderscore},
	{"sp_oacreate", "", scoreLikely, cUnderscore}, {"information_schema", ".", scoreLikely, cUnderscore},
	{"sysobjects", "", scoreLikely, 0}, {"syscolumns", "", scoreLikely, 0},
	{"pg_catalog", ".", scoreLikely, cUnderscore}, {"pg_shadow", "", scoreLikely, cUnderscore},
	{"sqlite_master", "", scoreLikely, cUnderscore}, {"mysql", ".user", scoreLikely, cDot},
	{"msysobjects", "", scoreLikely, 0}, {"@@version", "", scoreLikely, cAt},
	{"current_user", "", scoreWeak, cUnderscore}, {"from", " dual", scoreWeak, 0},
	{"case", " when", 0, 0},
}

// sqliFunctions finds attack functions and constructs. With a boundary
// token right before (an operator, a quote, a parenthesis, a SQL keyword)
// one is strong; without, it earns its "alone" tier if that tier counts at
// this level. A function called as a method ("time.sleep(5)") is ignored.
func sqliFunctions(in *input, s string, mask charMask, best *hit) {
	rate := func(i, end, alone int) {
		h := hit{start: i, end: end, inFold: true, reason: "sql function"}
		if sqlBoundaryAt(s, i) {
			h.score = scoreStrong
		} else if alone >= scoreLikely || (alone > 0 && in.high()) {
			h.score = alone
		}
		best.offer(h)
	}
	for p := strings.IndexByte(s, '('); p >= 0 && best.score < scoreStrong; {
		q := skipSpaceBack(s, p-1)
		i := q
		for i >= 0 && q-i < 40 && (isIdent(s[i]) || s[i] == '.') {
			i--
		}
		i++
		if name := s[i : q+1]; name != "" {
			if f, ok := sqlCalls[name]; ok && (i == 0 || s[i-1] != '.') {
				arg := skipSpace(s, p+1)
				if !f.needDigit || (arg < len(s) && isDigit(s[arg])) {
					rate(i, p+1, f.alone)
				}
			}
		}
		next := strings.IndexByte(s[p+1:], '(')
		if next < 0 {
			break
		}
		p += 1 + next
	}
	for _, ph := range sqlPhrases {
		if best.score >= scoreStrong {
			return
		}
		if ph.need != 0 && !mask.any(ph.need) {
			continue
		}
		for from := 0; from < len(s); {
			i := indexWord(s, ph.word, from)
			if i < 0 {
				break
			}
			from = i + 1
			end := i + len(ph.word)
			if strings.HasPrefix(s[end:], ph.rest) {
				rate(i, end+len(ph.rest), ph.alone)
				break
			}
		}
	}
}

// sqlBoundaryWords are keywords after which a function call is SQL.
var sqlBoundaryWords = []string{"and", "or", "xor", "not", "select", "if", "then", "else", "when",
	"union", "where", "having", "by", "waitfor", "exec", "execute", "return", "case", "from"}

// sqlBoundaryAt reports whether the token before i makes what starts at i
// part of a SQL expression.
func sqlBoundaryAt(s string, i int) bool {
	j := skipSpaceBack(s, i-1)
	if j < 0 {
		return false
	}
	switch s[j] {
	case '\'', '"', '`', '(', ',', '=', ';', '|', '&', '+', '-', '*', '<', '>', ')':
		return true
	}
	if !isIdent(s[j]) {
		return false
	}
	k := j
	for k >= 0 && isIdent(s[k]) {
		k--
	}
	return anyWordAt(s, k+1, sqlBoundaryWords) != "" && k+1+len(anyWordAt(s, k+1, sqlBoundaryWords)) == j+1
}

// sqliKeywords is the High-only hint: SQL statement keywords in their
// grammatical order ("select … from", "insert into … values").
func sqliKeywords(s string, best *hit) {
	if i := indexWord(s, "select", 0); i >= 0 {
		if j := indexWord(s, "from", i+6); j > 0 && j-i < 100 {
			best.offer(hit{score: scoreWeak, start: i, end: j + 4, inFold: true, reason: "sql keywords"})
			return
		}
	}
	if i := indexWord(s, "insert", 0); i >= 0 && indexWord(s, "into", i) > 0 && indexWord(s, "values", i) > 0 {
		best.offer(hit{score: scoreWeak, start: i, end: i + 6, inFold: true, reason: "sql keywords"})
	}
}
