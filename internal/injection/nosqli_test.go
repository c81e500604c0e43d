package injection

import "testing"

func TestNoSQLi(t *testing.T) {
	runDetectCases(t, "nosqli", []detectCase{
		{"operator key", "$ne", JSONKey, 0, scoreStrong},
		{"where key", "$where", JSONKey, 0, scoreStrong},
		{"regex key", "$regex", JSONKey, 0, scoreStrong},
		{"bracket name", "password[$ne]", Query, 0, scoreStrong},
		{"bracket regex", "user[$regex]", Form, 0, scoreStrong},
		{"operator object in value", `{"$gt": ""}`, Query, 0, scoreStrong},
		{"unquoted operator object", "{$ne: null}", JSONValue, 0, scoreStrong},
		{"js breakout", "'; return true; var a='", Query, 0, scoreStrong},
		{"js or tautology", "' || '1'=='1", Query, 0, scoreStrong},
		{"js and this", "' && this.password.match(/.*/)//", Query, 0, scoreStrong},
		{"where clause", "this.password.match(/^a/)", JSONValue, 0, scoreLikely},
		// Benign.
		{"schema key", "$schema", JSONKey, 0, 0},
		{"ref key", "$ref", JSONKey, 0, 0},
		{"operator word in value", "$ne", JSONValue, 0, 0},
		{"price", "$5 or $10", JSONValue, 0, 0},
		{"code snippet", "if (a < b) { return; }", JSONValue, 0, 0},
		{"js code", "function f() { return this.value; }", JSONValue, 0, 0},
		{"quote and semicolon prose", `He said "stop"; then we left`, JSONValue, 0, 0},
	})
}

func FuzzNoSQLi(f *testing.F) {
	fuzzDetector(f, &nosqliDetector, "$ne", "a[$ne]", `{"$gt":1}`, "'; return 1", "' || '1'=='1", "this.x.match(", "[$", "$$$$")
}
