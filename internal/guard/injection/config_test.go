package injection

import (
	"strings"
	"testing"

	detector "github.com/rampartsec/rampart/internal/injection"
	"github.com/rampartsec/rampart/internal/pipeline"
)

// TestNewRejects: every configuration mistake is an error at New, naming
// what is wrong, never a surprise on the request path.
func TestNewRejects(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"unknown engine", Config{Engine: "modsec"}, `unknown engine "modsec"`},
		{"unknown oversize", Config{Oversize: "truncate"}, `unknown oversize "truncate"`},
		{"negative body", Config{MaxBodyBytes: -1}, "negative"},
		{"bad sensitivity", Config{Sensitivity: detector.Sensitivity(9)}, "sensitivity"},
		{"bad route sensitivity", Config{Routes: []RouteSettings{{Route: apiRoute("a"), Sensitivity: 7}}}, "routes[0]"},
		{"route without api", Config{Routes: []RouteSettings{{Route: pipeline.Route{Route: "a"}}}}, "no API name"},
		{"duplicate route", Config{Routes: []RouteSettings{{Route: apiRoute("a")}, {Route: apiRoute("a")}}}, "twice"},
		{"paranoia 5", Config{Engine: EngineCRS, CRS: CRSConfig{Paranoia: 5}}, "paranoia level 5"},
		{"negative threshold", Config{Engine: EngineCRS, CRS: CRSConfig{InboundThreshold: -1}}, "negative"},
		{"negative route threshold", Config{Engine: EngineCRS, Routes: []RouteSettings{{Route: apiRoute("a"), InboundThreshold: -2}}}, "negative"},
		{"unknown native rule", Config{Exclusions: []Exclusion{{Rules: []string{"sqlinjection"}}}}, `unknown rule "sqlinjection"`},
		{"crs rule id on native", Config{Exclusions: []Exclusion{{Rules: []string{"942100"}}}}, `unknown rule "942100"`},
		{"unknown crs family", Config{Engine: EngineCRS, Exclusions: []Exclusion{{Rules: []string{"nope"}}}}, `unknown rule "nope"`},
		{"unknown source", Config{Exclusions: []Exclusion{{Location: "params.q"}}}, `unknown source "params"`},
		{"inner star", Config{Exclusions: []Exclusion{{Location: "body./*/name"}}}, "only allowed at the end"},
		{"two stars", Config{Exclusions: []Exclusion{{Location: "body./a**"}}}, "trailing"},
		{"exclusion route without api", Config{Exclusions: []Exclusion{{Route: pipeline.Route{Route: "x"}}}}, "no API name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New: %v; want an error containing %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "injection: ") {
				t.Errorf("error %q does not say which guard failed", err)
			}
		})
	}
}

// TestNewAccepts: the zero value and full configurations of both engines.
func TestNewAccepts(t *testing.T) {
	for _, cfg := range []Config{
		{},
		{Engine: EngineNative, Sensitivity: detector.High, Oversize: OversizeScanPrefix, MaxBodyBytes: 4096,
			Headers: []string{}, Cookies: true, SkipUnknownBodies: true,
			Routes: []RouteSettings{{Route: pipeline.Route{API: "a"}, Sensitivity: detector.Low}},
			Exclusions: []Exclusion{
				{Route: pipeline.Route{API: "a", Route: "r"}, Location: "body./notes/*", Rules: []string{"xss", "sqli"}},
				{Location: "cookie.*"},
			}},
		{Engine: EngineCRS, CRS: CRSConfig{Paranoia: 4, InboundThreshold: 10},
			Exclusions: []Exclusion{{Rules: []string{"942100", "sqli", "rfi", "protocol"}}}},
	} {
		if _, err := New(cfg); err != nil {
			t.Errorf("New(%+v): %v", cfg, err)
		}
	}
}

// TestExclusionMatching exercises the compiled matcher directly.
func TestExclusionMatching(t *testing.T) {
	set, err := compileExclusions([]Exclusion{
		{Location: "body./notes*", Rules: []string{"xss"}},
		{Location: "header.user-agent"},
		{Route: pipeline.Route{API: "a"}, Location: "query.q"},
		{Route: pipeline.Route{API: "a", Route: "r"}, Rules: []string{"sqli"}},
	}, nativeRule)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		route     pipeline.Route
		loc, rule string
		want      bool
	}{
		{pipeline.Route{}, "body./notes", "xss", true},
		{pipeline.Route{}, "body./notes/0/text", "xss", true},
		{pipeline.Route{}, "body./notes", "sqli", false},
		{pipeline.Route{}, "body./note", "xss", false},
		{pipeline.Route{}, "header.User-Agent", "sqli", true},
		{pipeline.Route{}, "header.USER-AGENT", "xss", true},
		{pipeline.Route{}, "header.User-Agents", "xss", false},
		{pipeline.Route{}, "query.q", "sqli", false},
		{pipeline.Route{API: "a"}, "query.q", "sqli", true},
		{pipeline.Route{API: "a", Route: "x"}, "query.q", "xss", true}, // the API's
		{pipeline.Route{API: "a", Route: "r"}, "query.q", "xss", true}, // the API's, merged into the route's
		{pipeline.Route{API: "a", Route: "r"}, "body./x", "sqli", true},
		{pipeline.Route{API: "a", Route: "r"}, "body./notes/1", "xss", true}, // global, merged
		{pipeline.Route{API: "b", Route: "r"}, "body./x", "sqli", false},
	}
	for _, tt := range tests {
		if got := set.forRoute(tt.route).excludes(tt.loc, tt.rule, ""); got != tt.want {
			t.Errorf("route %v: excludes(%q, %q) = %v, want %v", tt.route, tt.loc, tt.rule, got, tt.want)
		}
	}
	if set.forRoute(pipeline.Route{API: "a"}).wholeRoute() {
		t.Error("no exclusion switches the whole route off")
	}
}

// TestRedaction covers the evidence helpers.
func TestRedaction(t *testing.T) {
	tests := []struct {
		snippet, loc string
		escaped      bool
		want         string
	}{
		{"' OR 1=1", "query.q", false, "' OR 1=1"},
		{"x\r\ny\\", "query.q", false, `x\x0d\x0ay\\`},
		{"card 4111111111111111 ok", "body./memo", true, "card ################ ok"},
		{"id 12345678901 ok", "body./memo", true, "id 12345678901 ok"},
		{"anything", "body./user/password", true, redactedSnippet},
		{"anything", "body./api_key", true, redactedSnippet},
		{"anything", "header.Authorization", true, redactedSnippet},
		{"anything", "cookie.theme", true, redactedSnippet},
		{strings.Repeat("a", 200), "query.q", false, strings.Repeat("a", maxSnippetLen) + "…"},
	}
	for _, tt := range tests {
		if got := redactSnippet(tt.snippet, tt.loc, tt.escaped); got != tt.want {
			t.Errorf("redactSnippet(%q, %q) = %q, want %q", tt.snippet, tt.loc, got, tt.want)
		}
	}
}
