package authz

import (
	"net/http"
	"strings"
)

// methodOverrideHeaders are the headers with which frameworks let a client
// tunnel one method through another (Express's method-override, Rails,
// Symfony, ASP.NET, Google APIs): a POST carrying "X-HTTP-Method-Override:
// DELETE" is a DELETE to the upstream.
var methodOverrideHeaders = []string{"X-Http-Method-Override", "X-Http-Method", "X-Method-Override"}

// methodOverrideParam is the query parameter of the same trick (Laravel,
// Symfony, Express's method-override("_method")).
const methodOverrideParam = "_method"

// overriddenMethods calls fn with every method the request may be turned
// into by an override header or a "_method" query parameter, upper-cased.
// The rules of those methods must pass too, or a rule written for DELETE
// is bypassed by a POST that the upstream treats as DELETE (OWASP API5:2023).
// A "_method" field in a form body is not seen: body ownership rules refuse
// form bodies, and other routes should not accept both forms and overrides.
func overriddenMethods(r *http.Request, fn func(method string)) {
	for _, h := range methodOverrideHeaders {
		for _, v := range r.Header[h] {
			for m := range strings.SplitSeq(v, ",") {
				if m = strings.TrimSpace(m); m != "" {
					fn(strings.ToUpper(m))
				}
			}
		}
	}
	// The full parse runs only when the query could name the parameter:
	// any percent-escape ("%5Fmethod" is "_method" to PHP and Laravel) or
	// "method" in any case ("_METHOD", ".method" which PHP folds to "_").
	if q := r.URL.RawQuery; strings.IndexByte(q, '%') >= 0 || containsFoldASCII(q, "method") {
		queryValues(q, methodOverrideParam, func(m string) {
			if m = strings.TrimSpace(m); m != "" {
				fn(strings.ToUpper(m))
			}
		})
	}
}

// containsFoldASCII reports whether s contains the lowercase ASCII word sub
// in any letter case, without allocating.
func containsFoldASCII(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		j := 0
		for ; j < len(sub); j++ {
			c := s[i+j]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != sub[j] {
				break
			}
		}
		if j == len(sub) {
			return true
		}
	}
	return false
}
