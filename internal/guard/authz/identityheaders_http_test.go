package authz

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// TestIdentityHeadersReachUpstream: the upstream learns who the request acts
// for from the gateway, never from the client.
func TestIdentityHeadersReachUpstream(t *testing.T) {
	gw := newGateway(t, testConfig(), pipeline.Enforce)
	spoofed := http.Header{
		"X-Rampart-Subject":     {"root"},
		"X-Rampart-Scopes":      {"orders:admin"},
		"X-Rampart-Roles":       {"admin"},
		"X-Rampart-Auth-Method": {"mtls"},
		"X-Rampart-Tenant":      {"everyone"},
		"X-Rampart-Future":      {"anything"},
		// CGI, PHP and WSGI read X_Rampart_Subject as X-Rampart-Subject.
		"X_rampart_subject": {"root"},
		"X-RAMPART_ROLES":   {"admin"},
		// Naming them in Connection would make the proxy delete the real ones.
		"Connection": {"X-Rampart-Subject, x_rampart_scopes, X-Keep"},
		"X-Keep":     {"hop-by-hop by request"},
		"X-Other":    {"kept"},
	}
	tests := []struct {
		name string
		user string
		want map[string]string // "" = absent
	}{
		{name: "authenticated", user: "alice", want: map[string]string{
			"X-Rampart-Subject": "alice", "X-Rampart-Scopes": "orders:read items:write", "X-Rampart-Roles": "user",
			"X-Rampart-Auth-Method": "jwt", "X-Rampart-Tenant": "acme", "X-Rampart-Future": "",
			"X_rampart_subject": "", "X-Rampart_roles": "", "X-Other": "kept", "X-Keep": "",
		}},
		{name: "anonymous", want: map[string]string{
			"X-Rampart-Subject": "", "X-Rampart-Scopes": "", "X-Rampart-Roles": "", "X-Rampart-Auth-Method": "",
			"X-Rampart-Tenant": "", "X-Rampart-Future": "", "X_rampart_subject": "", "X-Other": "kept",
		}},
		{name: "scopes and roles that would split are left out", user: "spacescope", want: map[string]string{
			"X-Rampart-Subject": "eve", "X-Rampart-Scopes": "orders:read", "X-Rampart-Roles": "user",
			"X-Rampart-Auth-Method": "jwt", "X-Rampart-Tenant": "",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The exempt route: stripping and setting happen on every route.
			res := gw.do(t, call{target: "/api/public/x", user: tt.user, header: spoofed.Clone()})
			if res.status != http.StatusOK {
				t.Fatalf("status = %d, want 200 (denials %+v)", res.status, res.outcome.Denials)
			}
			for k, want := range tt.want {
				got := res.upstream.Header[k]
				switch {
				case want == "" && len(got) > 0:
					t.Errorf("upstream got %s: %q, want it removed", k, got)
				case want != "" && (len(got) != 1 || got[0] != want):
					t.Errorf("upstream got %s: %q, want %q", k, got, want)
				}
			}
			for k := range res.upstream.Header {
				if strings.Contains(strings.ToLower(strings.ReplaceAll(k, "_", "-")), "x-rampart-") && tt.want[k] == "" {
					t.Errorf("upstream got reserved header %s: %q", k, res.upstream.Header[k])
				}
			}
		})
	}
}

// TestUnsendableIdentityRefused: a subject, method or tenant that would
// inject a header (CRLF) or change on the way (edge spaces) is refused, and
// in monitor mode the request goes on without identity headers.
func TestUnsendableIdentityRefused(t *testing.T) {
	for _, user := range []string{"crlf", "padded", "tabtenant"} {
		t.Run(user, func(t *testing.T) {
			gw := newGateway(t, testConfig(), pipeline.Enforce)
			res := gw.do(t, call{target: "/api/public/x", user: user})
			if res.status != http.StatusForbidden || res.denial() == nil || res.denial().Rule != RuleInvalidIdentity {
				t.Fatalf("status = %d, denials %+v; want 403 %s", res.status, res.outcome.Denials, RuleInvalidIdentity)
			}

			mon := newGateway(t, testConfig(), pipeline.Monitor)
			res = mon.do(t, call{target: "/api/public/x", user: user,
				header: http.Header{"X-Rampart-Subject": {"root"}}})
			if res.status != http.StatusOK {
				t.Fatalf("monitor: status = %d, want 200", res.status)
			}
			if res.outcome.Verdict != pipeline.VerdictFlagged {
				t.Errorf("monitor: verdict = %q, want flagged", res.outcome.Verdict)
			}
			for k, v := range res.upstream.Header {
				if strings.HasPrefix(k, ReservedHeaderPrefix) || strings.Contains(strings.Join(v, ""), "root") {
					t.Errorf("monitor: upstream got %s: %q", k, v)
				}
			}
		})
	}
}

// TestCustomIdentityHeaders: configured names are set and stripped, unset
// parts are not sent, StripHeaders and the reserved prefix still go.
func TestCustomIdentityHeaders(t *testing.T) {
	cfg := testConfig()
	cfg.IdentityHeaders = &IdentityHeaders{Subject: "X-User-Id", Tenant: "x-org"}
	cfg.StripHeaders = []string{"X-Forwarded-User", "remote-user"}
	gw := newGateway(t, cfg, pipeline.Enforce)
	res := gw.do(t, call{target: "/api/public/x", user: "alice", header: http.Header{
		"X-User-Id": {"root"}, "X_user_id": {"root"}, "X-Org": {"everyone"}, "X-Forwarded-User": {"root"},
		"Remote-User": {"root"}, "Remote_user": {"root"}, "X-Rampart-Subject": {"root"},
	}})
	if res.status != http.StatusOK {
		t.Fatalf("status = %d, want 200", res.status)
	}
	h := res.upstream.Header
	if got := h["X-User-Id"]; len(got) != 1 || got[0] != "alice" {
		t.Errorf("X-User-Id = %q, want [alice]", got)
	}
	if got := h["X-Org"]; len(got) != 1 || got[0] != "acme" {
		t.Errorf("X-Org = %q, want [acme]", got)
	}
	for _, k := range []string{"X_user_id", "X-Forwarded-User", "Remote-User", "Remote_user", "X-Rampart-Subject", "X-Rampart-Scopes"} {
		if v, ok := h[k]; ok {
			t.Errorf("upstream got %s: %q, want it removed", k, v)
		}
	}
}

// TestBodyReachesUpstreamIntact: a body read for an owner check is put back,
// byte for byte, with or without a declared length.
func TestBodyReachesUpstreamIntact(t *testing.T) {
	gw := newGateway(t, testConfig(), pipeline.Enforce)
	body := `{"name":"widget","owner_id":42,"tags":["a","b"],"note":"` + strings.Repeat("x", 900) + `"}`
	for _, chunked := range []bool{false, true} {
		res := gw.do(t, call{method: "POST", target: "/api/items", user: "alice", body: body,
			contentType: "application/json", chunked: chunked})
		if res.status != http.StatusOK {
			t.Fatalf("chunked=%v: status = %d, want 200 (%+v)", chunked, res.status, res.outcome.Denials)
		}
		if res.upstream.Body != body {
			t.Errorf("chunked=%v: upstream body = %q, want %q", chunked, res.upstream.Body, body)
		}
		if res.upstream.ContentLength != int64(len(body)) {
			t.Errorf("chunked=%v: upstream Content-Length = %d, want %d", chunked, res.upstream.ContentLength, len(body))
		}
	}
}

// TestMonitorModeKeepsTheRequest: monitored denials let the request through
// unchanged, the oversized body included, and are recorded.
func TestMonitorModeKeepsTheRequest(t *testing.T) {
	gw := newGateway(t, testConfig(), pipeline.Monitor)
	res := gw.do(t, call{target: "/api/users/alice/orders", user: "bob"})
	if res.status != http.StatusOK || res.outcome.Verdict != pipeline.VerdictFlagged {
		t.Fatalf("status %d verdict %q, want 200 flagged", res.status, res.outcome.Verdict)
	}
	if d := res.denial(); d == nil || d.Rule != RuleNotOwner {
		t.Fatalf("denials = %+v, want %s", res.outcome.Denials, RuleNotOwner)
	}
	if got := res.upstream.Header.Get("X-Rampart-Subject"); got != "bob" {
		t.Errorf("upstream subject = %q, want bob", got)
	}

	big := `{"owner_id":43,"pad":"` + strings.Repeat("a", 3*testMaxBody) + `"}`
	for _, chunked := range []bool{false, true} {
		res = gw.do(t, call{method: "POST", target: "/api/items", user: "alice", body: big, contentType: "application/json", chunked: chunked})
		if res.status != http.StatusOK || res.upstream.Body != big {
			t.Fatalf("chunked=%v: status %d, upstream body of %d bytes; want 200 and the %d bytes sent",
				chunked, res.status, len(res.upstream.Body), len(big))
		}
		if d := res.denial(); d == nil || d.Rule != RuleBodyTooLarge {
			t.Errorf("chunked=%v: denials = %+v, want %s", chunked, res.outcome.Denials, RuleBodyTooLarge)
		}
	}
}

// TestDenialEvents: the Event tells the SIEM what the client is not told.
func TestDenialEvents(t *testing.T) {
	gw := newGateway(t, testConfig(), pipeline.Enforce)
	tests := []struct {
		name, target, user string
		rule, category     string
		severity           pipeline.Severity
	}{
		{"BOLA", "/api/users/alice/orders", "bob", RuleNotOwner, CategoryBOLA, pipeline.SeverityHigh},
		{"BFLA", "/api/admin/users", "alice", RuleMissingRole, CategoryBFLA, pipeline.SeverityHigh},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gw.sink.TakeEvents() // the previous case's
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, tt.target, nil)
			req.RemoteAddr = "127.0.0.1:4711"
			req.Header.Set(testUserHeader, tt.user)
			w := httptest.NewRecorder()
			gw.chain.ServeHTTP(w, req) // synchronous: the sinks have run on return
			gw.sink.Await(t)
			if w.Code != http.StatusForbidden {
				t.Fatalf("status = %d, want 403", w.Code)
			}
			events := gw.sink.Events()
			if len(events) != 1 {
				t.Fatalf("got %d events, want 1", len(events))
			}
			e := events[0]
			if e.Kind != "denial" || e.Guard != "authz" || e.Rule != tt.rule || e.Category != tt.category ||
				e.Severity != tt.severity || e.Subject != tt.user || e.Monitor {
				t.Errorf("event = %+v, want %s %s %s by %s", e, tt.rule, tt.category, tt.severity, tt.user)
			}
		})
	}
}
