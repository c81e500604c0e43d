package objects

import (
	"net/http"
	"net/url"
	"strings"
)

// methodOverrideHeaders are the headers with which frameworks let a client
// tunnel one method through another (Express's method-override, Rails,
// Symfony, ASP.NET, Google APIs): a POST carrying "X-HTTP-Method-Override:
// DELETE" is a DELETE to the upstream. (The authz guard reads the same
// list; guards do not import each other.)
var methodOverrideHeaders = []string{"X-Http-Method-Override", "X-Http-Method", "X-Method-Override"}

// methodOverrideParam is the query parameter of the same trick (Laravel,
// Symfony, Express's method-override("_method")).
const methodOverrideParam = "_method"

// overriddenMethods calls fn with every method the request may be turned
// into by an override header or a "_method" query parameter. Without this,
// a rule checking DELETE is bypassed by a POST the upstream treats as one.
func overriddenMethods(r *http.Request, fn func(method string)) {
	for _, h := range methodOverrideHeaders {
		for _, v := range r.Header[h] {
			for m := range strings.SplitSeq(v, ",") {
				if m = strings.TrimSpace(m); m != "" {
					fn(m)
				}
			}
		}
	}
	q := r.URL.RawQuery
	// Parse only when the query could name the parameter: a %-escape, or
	// "method" in any letter case ("_METHOD", PHP's ".method").
	if !strings.Contains(q, "%") && !strings.Contains(strings.ToLower(q), "method") {
		return
	}
	// "&" and ";" both separate (some frameworks split on ";"), names
	// match case-insensitively and %-decoded: every reading counts.
	for pair := range strings.FieldsFuncSeq(q, func(c rune) bool { return c == '&' || c == ';' }) {
		name, value, _ := strings.Cut(pair, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		// PHP turns "." and " " in parameter names into "_".
		name = strings.NewReplacer(".", "_", " ", "_").Replace(name)
		if !strings.EqualFold(name, methodOverrideParam) {
			continue
		}
		if v, err := url.QueryUnescape(value); err == nil {
			value = v
		}
		if value = strings.TrimSpace(value); value != "" {
			fn(value)
		}
	}
}
