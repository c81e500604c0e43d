package openapi

import (
	"regexp"
	"strings"
	"testing"
)

// TestStrictPattern is the pattern half of the scan plan rule.
func TestStrictPattern(t *testing.T) {
	tests := []struct {
		pattern string
		want    bool
	}{
		{`^[A-Za-z0-9_-]{1,64}$`, true},
		{`^[A-Z]{3}-[0-9]{4}$`, true},
		{`^[0-9a-f]{64}$`, true},
		{`^(?:ab|cd)+$`, true},
		{`^(ab|[0-9])*$`, true},
		{`^\w+$`, true},
		{`^\d{4}$`, true},
		{`^$`, true},
		{`^(?i)abc$`, true},
		{`^(?i)ks$`, false},   // (?i)k matches U+212A KELVIN SIGN, (?i)s U+017F
		{`^(?i)[0-9]$`, true}, // digits have no case
		{`^.*$`, false},
		{`^[a-z ]+$`, false},
		{`^[\w.]+$`, false},
		{`^[a-z]+`, false},
		{`[a-z]+$`, false},
		{`[a-z]+`, false},
		{`^a|b$`, false},
		{`(?m)^[a-z]+$`, false},
		{`^[^'"]+$`, false},
		{`^[!-~]+$`, false},
		{`^[a-z]+\b$`, false},
		{`^\S+$`, false},
		{`^[a-z]+\n$`, false},
		{`^[a-z]+$|^x$`, false},
		{`^(`, false}, // does not compile
		{`^[A-Za-z0-9_-]{1,64}` + strings.Repeat(`(a|b)`, 600) + `$`, false}, // over the analysis budget
	}
	for _, tt := range tests {
		if got := strictPattern(tt.pattern); got != tt.want {
			t.Errorf("strictPattern(%q) = %v, want %v", tt.pattern, got, tt.want)
		}
	}
}

// TestStrictPatternSoundness: every string a strict pattern accepts is
// made of safe characters, checked on probes with dangerous characters.
func TestStrictPatternSoundness(t *testing.T) {
	probes := []string{"a'b", "a b", "a.b", "a/b", "a\nb", "a;b", "a<b", "a$b", "ak", "aK", "a\u212ab", "a\u017fb", "--", "a%b", "ab\n"}
	for _, p := range []string{`^[A-Za-z0-9_-]{1,64}$`, `^\w+$`, `^(?i)[0-9a]+$`, `^(?:[a-z]|-)+$`} {
		if !strictPattern(p) {
			t.Fatalf("%q not strict", p)
		}
		re := regexp.MustCompile(p)
		for _, probe := range probes {
			if !re.MatchString(probe) {
				continue
			}
			for _, r := range probe {
				if !safeRune(r) {
					t.Errorf("strict %q accepts %q", p, probe)
					break
				}
			}
		}
	}
}
