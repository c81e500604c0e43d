package injection

import "testing"

func TestXPathi(t *testing.T) {
	runDetectCases(t, "xpathi", []detectCase{
		{"string tautology", "' or '1'='1", Query, 0, scoreStrong},
		{"count probe", "' or count(/*)=1 or '", Query, 0, scoreStrong},
		{"string-length", "x' and string-length(name(/*[1]))=4 or 'a'='b", Query, 0, scoreStrong},
		{"union", "'] | //* | //*['", Query, 0, scoreStrong},
		{"axis", "/child::node()", Query, 0, scoreLikely},
		{"descendant predicate", "//user[name='a']/password", Query, 0, scoreLikely},
		{"function with path", "count(/users/user)", Query, 0, scoreLikely},
		// Benign.
		{"code call", "count(items) > 3", JSONValue, 0, 0},
		{"descendant step at high", "//user[1]", Query, High, scoreWeak},
		{"url", "https://example.com//path", JSONValue, 0, 0},
		{"prose", "I'd rather not, or maybe I'd go", JSONValue, 0, 0},
		{"cpp", "std::string name()", JSONValue, 0, 0},
	})
}

func FuzzXPathi(f *testing.F) {
	fuzzDetector(f, &xpathiDetector, "' or '1'='1", "count(/*)", "//*", "child::node()", "']|", "(((((")
}
