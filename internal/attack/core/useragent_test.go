package core

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestUserAgentNamesTheCheck: the target sees which check sent a request;
// a User-Agent the check sets itself is kept.
func TestUserAgentNamesTheCheck(t *testing.T) {
	seen := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.UserAgent()
		ok(w, r)
	}))
	t.Cleanup(srv.Close)
	s := newTestScan(t, Config{Target: srv.URL})
	for _, tc := range []struct {
		name   string
		req    Request
		want   string
		record string
	}{
		{"check id", Request{Check: "authz.bola"}, "rampart-attack/authz.bola", "rampart-attack/authz.bola"},
		{"engine id", Request{Check: "rampart.canary"}, "rampart-attack/rampart.canary", ""},
		{"no check", Request{}, "rampart-attack", ""},
		{"not a token", Request{Check: "x y/z\u00e9"}, "rampart-attack/x_y_z__", ""},
		{"check's own", Request{Check: "recon.fingerprint", Header: http.Header{"User-Agent": {"curl/8.5.0"}}}, "curl/8.5.0", "curl/8.5.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := s.Do(context.Background(), tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if got := <-seen; got != tc.want {
				t.Errorf("User-Agent %q, want %q", got, tc.want)
			}
			if tc.record != "" {
				if got := resp.Exchange.Request.Header["User-Agent"]; len(got) != 1 || got[0] != tc.record {
					t.Errorf("evidence User-Agent %v, want %q", got, tc.record)
				}
			}
		})
	}
}
