package injection

import "testing"

func TestProtoPollution(t *testing.T) {
	runDetectCases(t, "proto_pollution", []detectCase{
		{"proto key", "__proto__", JSONKey, 0, scoreStrong},
		{"proto name", "a[__proto__][isAdmin]", Query, 0, scoreStrong},
		{"dotted name", "__proto__.isAdmin", Form, 0, scoreStrong},
		{"constructor prototype", "a[constructor][prototype][x]", Query, 0, scoreStrong},
		{"dotted constructor", "constructor.prototype.isAdmin", Form, 0, scoreStrong},
		{"path value", "__proto__.isAdmin", JSONValue, 0, scoreStrong},
		{"prototype key", "prototype", JSONKey, 0, scoreWeak},
		{"constructor key", "constructor", JSONKey, 0, scoreWeak},
		{"prose at high", "obj.__proto__ is deprecated", JSONValue, High, scoreWeak},
		// Benign.
		{"prose", "obj.__proto__ is deprecated", JSONValue, 0, 0},
		{"constructor word", "Ferrari", JSONValue, 0, 0},
		{"prototype value", "prototype", JSONValue, 0, 0},
	})
}

// TestProtoPollutionKeysTogether: a request with both a "constructor" and a
// "prototype" key reaches the Medium threshold when its matches are
// totalled, while either alone, or one repeated, does not.
func TestProtoPollutionKeysTogether(t *testing.T) {
	e := engineAt(t, Medium)
	var both, repeated []Match
	both = e.Scan("constructor", JSONKey, both)
	both = e.Scan("prototype", JSONKey, both)
	for range 20 {
		repeated = e.Scan("constructor", JSONKey, repeated)
	}
	if got := Total(both); got < e.Threshold() {
		t.Errorf("constructor+prototype total %d < %d", got, e.Threshold())
	}
	if got := Total(repeated); got >= e.Threshold() {
		t.Errorf("20 constructor keys total %d ≥ %d", got, e.Threshold())
	}
}

func FuzzProtoPollution(f *testing.F) {
	fuzzDetector(f, &protoDetector, "__proto__", "a[constructor][prototype]", "constructor", "prototype", "__proto__.x")
}
