package pipeline

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestChainSuppressEventKeepsDenialOnOutcome(t *testing.T) {
	tests := []struct {
		name       string
		mode       Mode
		suppress   bool
		wantEvents int
		wantStatus int
	}{
		{name: "enforced, event", mode: Enforce, wantEvents: 1, wantStatus: http.StatusTooManyRequests},
		{name: "enforced, suppressed", mode: Enforce, suppress: true, wantStatus: http.StatusTooManyRequests},
		{name: "monitored, event", mode: Monitor, wantEvents: 1, wantStatus: http.StatusOK},
		{name: "monitored, suppressed", mode: Monitor, suppress: true, wantStatus: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &funcGuard{name: "ratelimit", check: func(*http.Request) (*http.Request, error) {
				return nil, &Denial{Status: http.StatusTooManyRequests, Code: "rate_limited", SuppressEvent: tt.suppress}
			}}
			c, snk := newTestChain(t, Options{Stages: []Stage{{Guard: g, Mode: tt.mode}}})

			rec := serve(c, httptest.NewRequest(http.MethodGet, "/", nil))

			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			o, events := snk.only(t)
			if len(o.Denials) != 1 || o.Denials[0].Code != "rate_limited" {
				t.Errorf("outcome denials = %+v, want the one denial recorded", o.Denials)
			}
			if len(events) != tt.wantEvents {
				t.Errorf("events = %+v, want %d", events, tt.wantEvents)
			}
		})
	}
}
