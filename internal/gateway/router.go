package gateway

import (
	"net"
	"net/http"
	"sort"
	"strings"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// router picks the chain of the API and route a request belongs to. Routing
// happens before the chain so that every route's guards are compiled once,
// with their own settings, and a request pays for no per-guard lookups.
type router struct {
	apis     []*apiRoutes // most specific first
	notFound http.Handler // a chain recording the 404 Outcome
	badPath  http.Handler // a chain recording the 400 Outcome
}

type apiRoutes struct {
	name     string
	hosts    map[string]bool // nil = any host
	prefix   string
	routes   []*routeEntry // longest path first
	fallback http.Handler  // chain of the route "default"
}

type routeEntry struct {
	name    string
	path    string
	methods map[string]bool // nil = any method
	handler http.Handler
}

// sortRoutes orders APIs by specificity (a host match beats any host, then
// the longer prefix) and routes by path length, so the first match wins.
func (rt *router) sortRoutes() {
	sort.SliceStable(rt.apis, func(i, j int) bool {
		a, b := rt.apis[i], rt.apis[j]
		if (a.hosts != nil) != (b.hosts != nil) {
			return a.hosts != nil
		}
		return len(a.prefix) > len(b.prefix)
	})
	for _, a := range rt.apis {
		sort.SliceStable(a.routes, func(i, j int) bool { return len(a.routes[i].path) > len(a.routes[j].path) })
	}
}

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if !canonicalPath(p) {
		rt.badPath.ServeHTTP(w, r)
		return
	}
	host := hostOnly(r.Host)
	// Match on the path as a servlet container would read it: "/login;x=1"
	// is "/login" to Tomcat, so it must not escape the login route's
	// settings by falling through to the API's defaults.
	if strings.IndexByte(p, ';') >= 0 {
		p = stripSegmentParams(p)
	}
	method := routingMethod(r)
	for _, a := range rt.apis {
		if a.hosts != nil && !a.hosts[host] {
			continue
		}
		if !hasPathPrefix(p, a.prefix) {
			continue
		}
		for _, e := range a.routes {
			if hasPathPrefix(p, e.path) && (e.methods == nil || e.methods[method]) {
				e.handler.ServeHTTP(w, r)
				return
			}
		}
		a.fallback.ServeHTTP(w, r)
		return
	}
	rt.notFound.ServeHTTP(w, r)
}

// hasPathPrefix matches prefix on a segment boundary: "/api" matches "/api"
// and "/api/x" but not "/apix", so one API cannot capture another's paths.
func hasPathPrefix(p, prefix string) bool {
	if prefix == "/" || p == prefix {
		return true
	}
	if !strings.HasPrefix(p, prefix) {
		return false
	}
	return strings.HasSuffix(prefix, "/") || p[len(prefix)] == '/'
}

// canonicalPath rejects paths whose meaning depends on who normalises them:
// dot segments ("/public/../admin", also when percent-encoded, since Path is
// decoded), empty segments and NUL bytes. Routing on one reading while the
// upstream acts on another is a classic access-control bypass (CWE-22,
// CWE-436), so such requests are refused rather than guessed at. Two
// upstream readings count as dot segments too: servlet containers drop
// ";params" before resolving dots ("/public/..;/admin" is "/admin" to
// Tomcat, the CVE-2020-1957 family), and IIS and some frameworks split on a
// backslash ("/public/..\admin").
func canonicalPath(p string) bool {
	if p == "" || p[0] != '/' || strings.IndexByte(p, 0) >= 0 || strings.Contains(p, "//") {
		return false
	}
	for rest := p[1:]; rest != ""; {
		seg := rest
		if i := strings.IndexAny(rest, `/\`); i >= 0 {
			seg, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		if name, _, _ := strings.Cut(seg, ";"); name == "." || name == ".." {
			return false
		}
	}
	return true
}

// methodOverrideHeaders are honoured by many frameworks (Rails, Express
// method-override, ASP.NET, Symfony): a POST carrying one acts as the named
// method upstream.
var methodOverrideHeaders = []string{"X-Http-Method-Override", "X-Http-Method", "X-Method-Override"}

// routingMethod is the method a route is chosen by: upper-cased (frameworks
// that treat "delete" as DELETE must not let it skip a DELETE-only route)
// and, when a method-override header is present, the overriding method, so
// that a POST acting as DELETE upstream meets the DELETE route's guards.
func routingMethod(r *http.Request) string {
	m := r.Method
	for _, h := range methodOverrideHeaders {
		if v := r.Header.Get(h); v != "" {
			m = v
			break
		}
	}
	if strings.IndexFunc(m, func(c rune) bool { return c >= 'a' && c <= 'z' }) >= 0 {
		m = strings.ToUpper(m)
	}
	return m
}

// stripSegmentParams removes ";params" from every path segment.
func stripSegmentParams(p string) string {
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); {
		j := strings.IndexByte(p[i:], ';')
		if j < 0 {
			b.WriteString(p[i:])
			break
		}
		b.WriteString(p[i : i+j])
		i += j
		next := strings.IndexByte(p[i:], '/')
		if next < 0 {
			break
		}
		i += next
	}
	return b.String()
}

// hostOnly lowercases a Host header and drops the port.
func hostOnly(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	return strings.ToLower(strings.TrimSuffix(h, "."))
}

// notFoundHandler answers requests no API claims.
func notFoundHandler(w http.ResponseWriter, r *http.Request) {
	pipeline.WriteProblem(w, r, http.StatusNotFound, "not_found", "No API is served at this path.")
}

// badPathHandler answers non-canonical paths.
func badPathHandler(w http.ResponseWriter, r *http.Request) {
	pipeline.WriteProblem(w, r, http.StatusBadRequest, "invalid_path", "The request path is not in canonical form.")
}
