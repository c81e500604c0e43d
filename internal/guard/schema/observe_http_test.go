package schema

import (
	"net/http"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// leakyOrder is the sample API's order in its vulnerable mode: the whole
// row, card number, CVV and merchant secret included.
const leakyOrder = `{"id":1,"user_id":2,"item_id":3,"amount_cents":1299,"currency":"EUR","status":"paid","card_last4":"4242",` +
	`"card_number":"4242424242424242","card_cvv":"123","card_expiry":"12/30","api_secret":"sk_live_51H"}`

// TestResponseValidation: excessive data exposure in a response is
// reported in monitor mode (the client still gets it, unchanged) and
// stopped in enforce mode.
func TestResponseValidation(t *testing.T) {
	sample := loadSpec(t, sampleSpecPath)
	shop := loadSpec(t, shopSpecPath)
	shopOrder := `{"id":"` + testTenantID + `","status":"paid","total_cents":1299,"items":[],"card_last4":"4242","card_number":"4242424242424242"}`
	tests := []struct {
		name           string
		cfg            Config
		upstream       http.Handler
		call           call
		wantStatus     int
		wantUndeclared string // Evidence "fields" of the undeclared-field Event
		wantInvalid    string // a substring of the invalid-response Event's "problems"
		wantMonitor    bool
	}{
		{name: "monitor: sample order leaks", cfg: Config{Spec: sample, ResponseValidation: Monitor},
			upstream: fixedUpstream(200, leakyOrder), call: call{target: "/api/orders/1"}, wantStatus: 200,
			wantUndeclared: "/api_secret,/card_cvv,/card_expiry", wantInvalid: "/card_number does not have the expected format", wantMonitor: true},
		{name: "enforce: the leak does not reach the client", cfg: Config{Spec: sample, ResponseValidation: Enforce},
			upstream: fixedUpstream(200, leakyOrder), call: call{target: "/api/orders/1"}, wantStatus: 502,
			wantUndeclared: "/api_secret,/card_cvv,/card_expiry", wantInvalid: "/card_number"},
		{name: "off", cfg: Config{Spec: sample},
			upstream: fixedUpstream(200, leakyOrder), call: call{target: "/api/orders/1"}, wantStatus: 200},
		{name: "undeclared card number", cfg: Config{Spec: shop, ResponseValidation: Monitor},
			upstream: fixedUpstream(200, shopOrder), call: call{target: "/orders/" + testTenantID}, wantStatus: 200,
			wantUndeclared: "/card_number", wantMonitor: true},
		{name: "in every element of a list", cfg: Config{Spec: shop, ResponseValidation: Monitor},
			upstream: fixedUpstream(200, `{"orders":[`+shopOrder+`,`+shopOrder+`]}`),
			call:     call{target: "/orders", header: http.Header{"X-Tenant": {testTenantID}}}, wantStatus: 200,
			wantUndeclared: "/orders/*/card_number", wantMonitor: true},
		{name: "clean response", cfg: Config{Spec: sample, ResponseValidation: Enforce},
			upstream: fixedUpstream(200, `{"status":"ok"}`), call: call{target: "/api/healthz"}, wantStatus: 200},
		{name: "error status without a JSON schema", cfg: Config{Spec: sample, ResponseValidation: Enforce},
			upstream: fixedUpstream(500, `{"stack":"at main.go:12"}`), call: call{target: "/api/healthz"}, wantStatus: 500},
		{name: "over the read limit: passed on unchecked", cfg: Config{Spec: sample, ResponseValidation: Enforce, MaxResponseBytes: 64},
			upstream: fixedUpstream(200, leakyOrder), call: call{target: "/api/orders/1"}, wantStatus: 200},
		{name: "streamed without a length", cfg: Config{Spec: sample, ResponseValidation: Monitor},
			upstream: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.(http.Flusher).Flush()
				_, _ = w.Write([]byte(leakyOrder[:40]))
				w.(http.Flusher).Flush()
				_, _ = w.Write([]byte(leakyOrder[40:]))
			}),
			call: call{target: "/api/orders/1"}, wantStatus: 200, wantUndeclared: "/api_secret,/card_cvv,/card_expiry",
			wantInvalid: "/card_number", wantMonitor: true},
		{name: "compressed: passed on unchecked", cfg: Config{Spec: sample, ResponseValidation: Enforce},
			upstream: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Encoding", "br")
				_, _ = w.Write([]byte(leakyOrder))
			}),
			call: call{target: "/api/orders/1"}, wantStatus: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gw := newGateway(t, tt.cfg, pipeline.Enforce, tt.upstream)
			res := gw.do(t, tt.call)
			if res.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d (%s)", res.status, tt.wantStatus, res.raw)
			}
			if res.status == http.StatusOK && strings.HasPrefix(tt.name, "monitor") && res.raw != leakyOrder {
				t.Errorf("client got %q, want the upstream's body unchanged", res.raw)
			}
			und := res.event(EventUndeclaredField)
			switch {
			case tt.wantUndeclared == "" && und != nil:
				t.Errorf("unexpected event %+v", und)
			case tt.wantUndeclared != "" && und == nil:
				t.Fatalf("no %s event (events %+v)", EventUndeclaredField, res.events)
			case und != nil:
				if und.Evidence["fields"] != tt.wantUndeclared || und.Monitor != tt.wantMonitor || und.Category != "API3:2023" {
					t.Errorf("event fields %q monitor %v category %s, want %q, %v, API3:2023",
						und.Evidence["fields"], und.Monitor, und.Category, tt.wantUndeclared, tt.wantMonitor)
				}
			}
			inv := res.event(EventInvalidResponse)
			switch {
			case tt.wantInvalid == "" && inv != nil:
				t.Errorf("unexpected event %+v", inv)
			case tt.wantInvalid != "" && (inv == nil || !strings.Contains(inv.Evidence["problems"], tt.wantInvalid)):
				t.Errorf("invalid-response event = %+v, want problems with %q", inv, tt.wantInvalid)
			}
			for _, e := range res.events {
				for _, v := range e.Evidence {
					if strings.Contains(v, "4242424242424242") || strings.Contains(v, "sk_live") {
						t.Errorf("event %s evidence leaks a value: %q", e.Kind, v)
					}
				}
			}
		})
	}
}

// TestResponseValidationBehindStripPrefix: the proxy forwards /shop/...
// as /...; the response is still matched to the operation Check found,
// also for a request Check refused under a monitoring stage.
func TestResponseValidationBehindStripPrefix(t *testing.T) {
	shopOrder := `{"id":"` + testTenantID + `","status":"paid","total_cents":1,"items":[],"card_number":"4242424242424242"}`
	for _, stage := range []pipeline.Mode{pipeline.Enforce, pipeline.Monitor} {
		gw := newStrippingGateway(t, Config{Spec: loadSpec(t, shopSpecPath), PathPrefix: "/shop", ResponseValidation: Monitor},
			stage, fixedUpstream(200, shopOrder), "/shop")
		target, verdict := "/shop/orders/"+testTenantID, pipeline.VerdictAllowed
		if stage == pipeline.Monitor {
			target, verdict = "/shop/orders/42", pipeline.VerdictFlagged // not a uuid: refused, monitored
		}
		res := gw.do(t, call{target: target})
		if res.status != http.StatusOK || res.outcome.Verdict != verdict {
			t.Fatalf("stage %s: status %d verdict %s, want 200 %s", stage, res.status, res.outcome.Verdict, verdict)
		}
		if ev := res.event(EventUndeclaredField); ev == nil || ev.Evidence["fields"] != "/card_number" {
			t.Errorf("stage %s: event = %+v, want /card_number", stage, ev)
		}
	}
}
