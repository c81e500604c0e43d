package injection

import "testing"

func TestLDAPi(t *testing.T) {
	runDetectCases(t, "ldapi", []detectCase{
		{"wildcard breakout", "*)(uid=*))(|(uid=*", Query, 0, scoreStrong},
		{"or injection", "admin)(|(password=*)", Query, 0, scoreStrong},
		{"and true", "admin)(&)", Query, 0, scoreStrong},
		{"not", "x)(!(cn=a)", Query, 0, scoreStrong},
		{"nul truncation", "admin)\x00", Query, 0, scoreStrong},
		{"objectclass presence", "(objectClass=*)", Query, 0, scoreStrong},
		{"presence filter", "(cn=*)", Query, 0, scoreLikely},
		{"breakout", "x)(mail=a@b.c", Query, 0, scoreLikely},
		{"injected filter", "(&(uid=a)(cn=b))", Query, 0, scoreLikely},
		// Benign.
		{"wildcard search", "smi*", Query, 0, 0},
		{"prose parentheses", "see (above) (2) for details", JSONValue, 0, 0},
		{"math", "(a+b)*(c-d)", JSONValue, 0, 0},
		{"emoticon", "thanks :) (really)", JSONValue, 0, 0},
	})
}

func FuzzLDAPi(f *testing.F) {
	fuzzDetector(f, &ldapiDetector, "*)(uid=*", ")(|(a=b)", "(cn=*)", ")(", "=*)", "(&(")
}
