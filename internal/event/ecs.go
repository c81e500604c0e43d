package event

import (
	"net/netip"
	"time"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// ecsVersion is the ECS release the field names follow.
const ecsVersion = "8.11.0"

// ecsDocument is one Event in ECS shape. Standard ECS fields keep their ECS
// names; Rampart's own fields live under "rampart", as ECS asks of custom
// fields. Empty groups are omitted (omitzero).
type ecsDocument struct {
	Timestamp time.Time   `json:"@timestamp"`
	Message   string      `json:"message,omitempty"`
	ECS       ecsVer      `json:"ecs"`
	Event     ecsEvent    `json:"event"`
	Rule      ecsRule     `json:"rule,omitzero"`
	Threat    ecsThreat   `json:"threat,omitzero"`
	Client    ecsClient   `json:"client,omitzero"`
	User      ecsUser     `json:"user,omitzero"`
	HTTP      ecsHTTP     `json:"http,omitzero"`
	URL       ecsURL      `json:"url,omitzero"`
	Observer  ecsObserver `json:"observer"`
	Rampart   rampartECS  `json:"rampart"`
}

type ecsVer struct {
	Version string `json:"version"`
}

type ecsEvent struct {
	// Kind is "alert" for security observations, "event" for operational
	// ones (reloads, panics).
	Kind     string   `json:"kind"`
	Category []string `json:"category"`
	Type     []string `json:"type"`
	// Action is the Event's Kind ("denial", "ban", ...).
	Action string `json:"action"`
	// Severity and RiskScore use the numbers Elastic Security gives its own
	// alert severities (low 21, medium 47, high 73, critical 99).
	Severity  int    `json:"severity"`
	RiskScore int    `json:"risk_score"`
	Dataset   string `json:"dataset"`
	Module    string `json:"module"`
}

type ecsRule struct {
	ID      string `json:"id,omitempty"`
	Name    string `json:"name,omitempty"`
	Ruleset string `json:"ruleset,omitempty"`
}

// ecsThreat maps an OWASP API Security Top 10 id onto ECS threat.*:
// the list is the framework, each item a technique.
type ecsThreat struct {
	Framework string       `json:"framework,omitempty"`
	Technique ecsTechnique `json:"technique,omitzero"`
}

type ecsTechnique struct {
	ID   []string `json:"id,omitempty"`
	Name []string `json:"name,omitempty"`
}

type ecsClient struct {
	IP netip.Addr `json:"ip,omitzero"`
}

type ecsUser struct {
	ID string `json:"id,omitempty"`
}

type ecsHTTP struct {
	Request ecsHTTPRequest `json:"request,omitzero"`
}

type ecsHTTPRequest struct {
	ID     string `json:"id,omitempty"`
	Method string `json:"method,omitempty"`
}

type ecsURL struct {
	Path string `json:"path,omitempty"`
}

type ecsObserver struct {
	Vendor  string `json:"vendor"`
	Product string `json:"product"`
	Type    string `json:"type"`
}

type rampartECS struct {
	Severity string            `json:"severity"`
	Guard    string            `json:"guard,omitempty"`
	Monitor  bool              `json:"monitor"`
	Route    rampartRoute      `json:"route,omitzero"`
	Evidence map[string]string `json:"evidence,omitempty"`
}

type rampartRoute struct {
	API  string `json:"api,omitempty"`
	Name string `json:"name,omitempty"`
}

// owaspAPIFramework names the list Event.Category ids come from.
const owaspAPIFramework = "OWASP API Security Top 10 2023"

// toECS maps an Event onto ECS fields. now stamps events that carry no time.
func toECS(e *pipeline.Event, now time.Time) ecsDocument {
	ts := e.Time
	if ts.IsZero() {
		ts = now
	}
	sev := e.Severity
	if sev == "" {
		sev = pipeline.SeverityMedium
	}
	score := severityScore(sev)
	kind, category, typ := classify(e)
	d := ecsDocument{
		Timestamp: ts.UTC(),
		Message:   e.Message,
		ECS:       ecsVer{Version: ecsVersion},
		Event: ecsEvent{
			Kind: kind, Category: category, Type: typ, Action: e.Kind,
			Severity: score, RiskScore: score, Dataset: "rampart.events", Module: "rampart",
		},
		Rule:     ecsRule{ID: e.Rule, Name: e.Rule, Ruleset: e.Guard},
		Client:   ecsClient{IP: e.Client},
		User:     ecsUser{ID: e.Subject},
		HTTP:     ecsHTTP{Request: ecsHTTPRequest{ID: e.RequestID, Method: e.Method}},
		URL:      ecsURL{Path: e.Path},
		Observer: ecsObserver{Vendor: "Rampart", Product: "rampart", Type: "waf"},
		Rampart: rampartECS{
			Severity: string(sev), Guard: e.Guard, Monitor: e.Monitor,
			Route: rampartRoute{API: e.Route.API, Name: e.Route.Route}, Evidence: e.Evidence,
		},
	}
	if e.Category != "" {
		d.Threat = ecsThreat{Framework: owaspAPIFramework, Technique: ecsTechnique{ID: []string{e.Category}}}
		if name := owaspAPIName(e.Category); name != "" {
			d.Threat.Technique.Name = []string{name}
		}
	}
	return d
}

// classify picks ECS event.kind, event.category and event.type. A monitored
// denial let the request through, so its type is "allowed", not "denied".
func classify(e *pipeline.Event) (kind string, category, typ []string) {
	switch {
	case e.Kind == "denial" && e.Monitor:
		return "alert", []string{"intrusion_detection", "web"}, []string{"allowed", "info"}
	case e.Kind == "denial":
		return "alert", []string{"intrusion_detection", "web"}, []string{"denied"}
	case e.Kind == "panic":
		return "event", []string{"web"}, []string{"error"}
	case e.Kind == "config.reload":
		return "event", []string{"configuration"}, []string{"change"}
	case e.Kind == "ban":
		return "alert", []string{"intrusion_detection", "network"}, []string{"denied"}
	}
	return "alert", []string{"intrusion_detection"}, []string{"info"}
}

// severityScore gives a Severity the number Elastic Security uses for the
// same word; an unknown severity counts as medium, like the Chain's default.
func severityScore(s pipeline.Severity) int {
	switch s {
	case pipeline.SeverityInfo:
		return 1
	case pipeline.SeverityLow:
		return 21
	case pipeline.SeverityHigh:
		return 73
	case pipeline.SeverityCritical:
		return 99
	}
	return 47
}

// owaspAPIName names an OWASP API Security Top 10 2023 risk.
func owaspAPIName(id string) string {
	switch id {
	case "API1:2023":
		return "Broken Object Level Authorization"
	case "API2:2023":
		return "Broken Authentication"
	case "API3:2023":
		return "Broken Object Property Level Authorization"
	case "API4:2023":
		return "Unrestricted Resource Consumption"
	case "API5:2023":
		return "Broken Function Level Authorization"
	case "API6:2023":
		return "Unrestricted Access to Sensitive Business Flows"
	case "API7:2023":
		return "Server Side Request Forgery"
	case "API8:2023":
		return "Security Misconfiguration"
	case "API9:2023":
		return "Improper Inventory Management"
	case "API10:2023":
		return "Unsafe Consumption of APIs"
	}
	return ""
}
