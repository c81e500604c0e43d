package discovery

import (
	_ "embed"
	"strings"
)

//go:embed routes.txt
var routesTxt string

// Wordlist returns the embedded route list, comments and blanks removed.
func Wordlist() []string {
	var out []string
	for _, line := range strings.Split(routesTxt, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
}

// debugWords mark routes whose existence is dangerous in itself.
var debugWords = []string{"debug", "internal", "test", "dev", "staging", "console", "shell", "exec", "cmd", "trace",
	"dump", "heapdump", "threaddump", "env", "actuator", "pprof", "seed", "migrate", "install", "setup", "sql", "private"}

// debugLike reports whether a path is a debug, test or internal route.
func debugLike(path string) bool {
	for _, seg := range strings.Split(strings.ToLower(path), "/") {
		for _, w := range debugWords {
			if seg == w {
				return true
			}
		}
	}
	return false
}

// matchesTemplate reports whether a concrete path fits a path template
// ("/api/items/7" fits "/api/items/{id}").
func matchesTemplate(path, tmpl string) bool {
	ps := strings.Split(strings.Trim(path, "/"), "/")
	ts := strings.Split(strings.Trim(tmpl, "/"), "/")
	if len(ps) != len(ts) {
		return false
	}
	for i := range ts {
		if strings.HasPrefix(ts[i], "{") && strings.HasSuffix(ts[i], "}") {
			continue
		}
		if !strings.EqualFold(ps[i], ts[i]) {
			return false
		}
	}
	return true
}

// parseAllow reads an Allow header into upper-case methods, without HEAD
// (implied by GET) and OPTIONS (the probe itself).
func parseAllow(values []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range values {
		for _, m := range strings.Split(v, ",") {
			m = strings.ToUpper(strings.TrimSpace(m))
			if m == "" || m == "HEAD" || m == "OPTIONS" || seen[m] || len(m) > 16 || strings.ContainsAny(m, " \t/;") || len(out) >= 16 {
				continue
			}
			seen[m] = true
			out = append(out, m)
		}
	}
	return out
}
