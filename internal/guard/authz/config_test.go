package authz

import (
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// TestNewRejectsBadConfig: every operator mistake is a startup error that
// names the problem.
func TestNewRejectsBadConfig(t *testing.T) {
	users := route("users")
	pathOwner := &OwnerRule{Param: "user", In: InPath, Claim: ClaimSubject}
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"no API", Config{Rules: []RouteRule{{Route: pipeline.Route{Route: "x"}}}}, "no API name"},
		{"bad CIDR", Config{Rules: []RouteRule{{Route: users, Rule: Rule{AllowIPs: []string{"10.0.0.0/33"}}}}}, "invalid CIDR"},
		{"bad address", Config{Rules: []RouteRule{{Route: users, Rule: Rule{DenyIPs: []string{"10.0.0.256"}}}}}, "invalid IP"},
		{"empty scope", Config{Rules: []RouteRule{{Route: users, Rule: Rule{Scopes: []string{""}}}}}, "invalid scope"},
		{"scope with space", Config{Rules: []RouteRule{{Route: users, Rule: Rule{Scopes: []string{"a b"}}}}}, "invalid scope"},
		{"role with tab", Config{Rules: []RouteRule{{Route: users, Rule: Rule{Roles: []string{"a\tb"}}}}}, "invalid role"},
		{"bad method", Config{Rules: []RouteRule{{Route: users, Methods: []string{"GET POST"}}}}, "invalid method"},
		{"duplicate method", Config{Rules: []RouteRule{
			{Route: users, Methods: []string{"GET"}}, {Route: users, Methods: []string{"get"}}}}, "already has a rule"},
		{"two any-method rules", Config{Rules: []RouteRule{{Route: users}, {Route: users}}}, "every method"},
		{"template without owner", Config{Rules: []RouteRule{{Route: users, Rule: Rule{PathTemplate: "/a/{b}"}}}}, "only used by an owner rule"},
		{"path owner without template", Config{Rules: []RouteRule{{Route: users, Rule: Rule{Owner: pathOwner}}}}, "needs the rule's path_template"},
		{"template without the param", Config{Rules: []RouteRule{{Route: users, Rule: Rule{PathTemplate: "/a/{id}", Owner: pathOwner}}}}, "no parameter {user}"},
		{"relative template", Config{Rules: []RouteRule{{Route: users, Rule: Rule{PathTemplate: "a/{user}", Owner: pathOwner}}}}, "must start with /"},
		{"empty segment", Config{Rules: []RouteRule{{Route: users, Rule: Rule{PathTemplate: "/a//{user}", Owner: pathOwner}}}}, "empty segment"},
		{"partial parameter", Config{Rules: []RouteRule{{Route: users, Rule: Rule{PathTemplate: "/a/{user}.json", Owner: pathOwner}}}}, "whole segment"},
		{"duplicate parameter", Config{Rules: []RouteRule{{Route: users, Rule: Rule{PathTemplate: "/{user}/{user}", Owner: pathOwner}}}}, "twice"},
		{"dot segment", Config{Rules: []RouteRule{{Route: users, Rule: Rule{PathTemplate: "/a/../{user}", Owner: pathOwner}}}}, "plain text"},
		{"template with a query owner", Config{Rules: []RouteRule{{Route: users, Rule: Rule{PathTemplate: "/a/{user}",
			Owner: &OwnerRule{Param: "user", In: InQuery, Claim: "sub"}}}}}, "not the path"},
		{"owner without param", Config{Rules: []RouteRule{{Route: users, Rule: Rule{Owner: &OwnerRule{In: InQuery, Claim: "sub"}}}}}, "param is required"},
		{"owner without claim", Config{Rules: []RouteRule{{Route: users, Rule: Rule{Owner: &OwnerRule{Param: "u", In: InQuery}}}}}, "claim is required"},
		{"owner without in", Config{Rules: []RouteRule{{Route: users, Rule: Rule{Owner: &OwnerRule{Param: "u", Claim: "sub"}}}}}, "in must be"},
		{"query param with delimiter", Config{Rules: []RouteRule{{Route: users, Rule: Rule{Owner: &OwnerRule{Param: "u&v", In: InQuery, Claim: "sub"}}}}}, "delimiter"},
		{"bad pointer escape", Config{Rules: []RouteRule{{Route: users, Rule: Rule{Owner: &OwnerRule{Param: "/a~2", In: InBody, Claim: "sub"}}}}}, "invalid escape"},
		{"bad override scope", Config{Rules: []RouteRule{{Route: users, Rule: Rule{Owner: &OwnerRule{Param: "u", In: InQuery, Claim: "sub",
			OverrideScopes: []string{""}}}}}}, "invalid override scope"},
		{"negative body limit", Config{MaxBodyBytes: -1}, "negative"},
		{"bad identity header", Config{IdentityHeaders: &IdentityHeaders{Subject: "X Subject"}}, "not a header name"},
		{"framing identity header", Config{IdentityHeaders: &IdentityHeaders{Subject: "content-length"}}, "reserved"},
		{"auth identity header", Config{IdentityHeaders: &IdentityHeaders{Roles: "Authorization"}}, "reserved"},
		{"identity header twice", Config{IdentityHeaders: &IdentityHeaders{Subject: "X-Who", Tenant: "x_who"}}, "used twice"},
		{"bad strip header", Config{StripHeaders: []string{"a:b"}}, "not a header name"},
		{"framing strip header", Config{StripHeaders: []string{"Transfer-Encoding"}}, "frames the request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg, Options{})
			if err == nil {
				t.Fatalf("New succeeded, want an error containing %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "authz: ") {
				t.Errorf("error = %q, want it to start with authz: and contain %q", err, tt.wantErr)
			}
		})
	}
}

// TestNewAcceptsValidConfig covers the shapes the gateway will build.
func TestNewAcceptsValidConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"zero":                {},
		"test config":         testConfig(),
		"no identity headers": {IdentityHeaders: &IdentityHeaders{}},
		"single addresses": {Rules: []RouteRule{{Route: route("a"), Rule: Rule{
			AllowIPs: []string{"10.0.0.1", " 2001:db8::1 ", "::ffff:10.0.0.2", "fe80::1%eth0"}}}}},
		"pointer forms": {Rules: []RouteRule{
			{Route: route("a"), Rule: Rule{Owner: &OwnerRule{Param: "/", In: InBody, Claim: "sub"}}},
			{Route: route("b"), Rule: Rule{Owner: &OwnerRule{Param: "/a~1b/~0c/0", In: InBody, Claim: "sub"}}},
		}},
		"root template": {Rules: []RouteRule{{Route: route("a"), Rule: Rule{PathTemplate: "/{id}/", Owner: &OwnerRule{Param: "id", In: InPath, Claim: "sub"}}}}},
	} {
		if _, err := New(cfg, Options{}); err != nil {
			t.Errorf("%s: New: %v", name, err)
		}
	}
}

// TestIPv4MappedPrefixConverted: a mapped prefix matches plain IPv4 clients.
func TestIPv4MappedPrefixConverted(t *testing.T) {
	got, err := prefixList([]string{"::ffff:10.0.0.0/104", "::ffff:192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].String() != "10.0.0.0/8" || got[1].String() != "192.0.2.1/32" {
		t.Errorf("prefixes = %v, want [10.0.0.0/8 192.0.2.1/32]", got)
	}
}

// TestRuleLookup: route and method rule, route any-method rule, API
// default, nothing; HEAD follows GET unless it has its own rule.
func TestRuleLookup(t *testing.T) {
	get := Rule{Roles: []string{"get"}}
	anyM := Rule{Roles: []string{"any"}}
	apiDefault := Rule{Roles: []string{"api"}}
	head := Rule{Roles: []string{"head"}}
	g, err := New(Config{Rules: []RouteRule{
		{Route: route("r"), Methods: []string{"GET"}, Rule: get},
		{Route: route("r"), Rule: anyM},
		{Route: route("h"), Methods: []string{"GET"}, Rule: get},
		{Route: route("h"), Methods: []string{"HEAD"}, Rule: head},
		{Route: route("m"), Methods: []string{"POST"}, Rule: get},
		{Route: pipeline.Route{API: "api"}, Rule: apiDefault},
	}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		route  string
		method string
		want   string // the role of the rule found, "" for none
	}{
		{"r", "GET", "get"}, {"r", "HEAD", "get"}, {"r", "get", "get"}, {"r", "POST", "any"},
		{"h", "HEAD", "head"}, {"m", "GET", "api"}, {"other", "GET", "api"},
	}
	for _, tt := range tests {
		c := g.ruleFor(route(tt.route), strings.ToUpper(tt.method))
		got := ""
		if c != nil {
			got = c.roles[0]
		}
		if got != tt.want {
			t.Errorf("%s %s: rule %q, want %q", tt.method, tt.route, got, tt.want)
		}
	}
	if c := g.ruleFor(pipeline.Route{API: "other", Route: "x"}, "GET"); c != nil {
		t.Errorf("other API: found rule %v, want none", c.roles)
	}
}
