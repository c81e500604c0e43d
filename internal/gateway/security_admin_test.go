package gateway

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestAdminBansAPIOffWithoutToken: without admin.token_env or token_file
// the /admin/ API does not exist (404), whatever is sent.
func TestAdminBansAPIOffWithoutToken(t *testing.T) {
	up := textUpstream(t, "ok")
	g := startGateway(t, gwConfig{rest: fmt.Sprintf(`
apis:
  - name: app
    path_prefix: /api
    upstreams: [%q]
`, up.URL)})
	for _, tc := range []struct{ method, path, token, body string }{
		{http.MethodGet, "/admin/bans", "", ""},
		{http.MethodGet, "/admin/bans", testAdminToken, ""},
		{http.MethodPost, "/admin/bans", testAdminToken, `{"key":"192.0.2.1","duration":"1h"}`},
		{http.MethodDelete, "/admin/bans/ip:192.0.2.1", testAdminToken, ""},
	} {
		r := g.admin(t, tc.method, tc.path, tc.token, tc.body)
		wantReplyProblem(t, r, http.StatusNotFound, "not_found")
	}
	// The rest of the admin listener works.
	if resp, _ := g.adminGet(t, "/metrics"); resp.StatusCode != http.StatusOK {
		t.Errorf("/metrics: status %d", resp.StatusCode)
	}
}

// TestAdminBansAPI: with a token, the ban list needs it (401 otherwise); a
// ban added through it applies at once on this replica, even to an address
// whose "not banned" answer is cached, and so does its removal; both are
// recorded as events.
func TestAdminBansAPI(t *testing.T) {
	up := textUpstream(t, "ok")
	g := withAdminToken(t, gwConfig{rest: trustLoopback + fmt.Sprintf(`
apis:
  - name: app
    path_prefix: /api
    upstreams: [%q]
`, up.URL)})

	t.Run("authentication", func(t *testing.T) {
		for _, tc := range []struct{ name, method, path, auth string }{
			{"no token", http.MethodGet, "/admin/bans", ""},
			{"wrong token", http.MethodGet, "/admin/bans", "Bearer " + strings.Repeat("x", len(testAdminToken))},
			{"token prefix", http.MethodGet, "/admin/bans", "Bearer " + testAdminToken[:len(testAdminToken)-1]},
			{"not a bearer", http.MethodGet, "/admin/bans", "Basic " + testAdminToken},
			{"add without token", http.MethodPost, "/admin/bans", ""},
			{"delete with wrong token", http.MethodDelete, "/admin/bans/ip:192.0.2.1", "Bearer wrong"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				h := http.Header{}
				if tc.auth != "" {
					h.Set("Authorization", tc.auth)
				}
				r, err := send(g.client, tc.method, "http://"+g.svc.AdminAddr()+tc.path, "",
					`{"key":"192.0.2.1","duration":"1h"}`, h)
				if err != nil {
					t.Fatal(err)
				}
				wantReplyProblem(t, r, http.StatusUnauthorized, "unauthorized")
				if got := r.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
					t.Errorf("WWW-Authenticate = %q, want a Bearer challenge", got)
				}
			})
		}
		if bans := g.bans(t); len(bans) != 0 {
			t.Fatalf("unauthenticated calls changed the list: %v", bans)
		}
	})

	t.Run("ban and unban", func(t *testing.T) {
		const client, bystander = "192.0.2.40", "192.0.2.41"
		// The ban guard caches this "not banned" answer for 1s.
		if r := g.from(t, http.MethodGet, "/api/x", client, ""); r.status != http.StatusOK {
			t.Fatalf("before the ban: status %d, body %q", r.status, r.body)
		}
		r := g.admin(t, http.MethodPost, "/admin/bans", testAdminToken,
			`{"key":"192.0.2.40","reason":"scraping","duration":"30m"}`)
		if r.status != http.StatusCreated {
			t.Fatalf("POST /admin/bans: status %d, body %q", r.status, r.body)
		}
		var added struct{ Key, Source, Reason string }
		if err := json.Unmarshal([]byte(r.body), &added); err != nil {
			t.Fatal(err)
		}
		// The answer echoes the key as sent; the list (below) holds it
		// normalised, as the guard reads it.
		if added.Source != "admin" || added.Reason != "scraping" {
			t.Errorf("added ban = %+v, want source admin, reason scraping", added)
		}

		// At once, on every route, with the time left.
		for _, path := range []string{"/api/x", "/api/other", "/unrouted"} {
			r := g.from(t, http.MethodGet, path, client, "")
			wantReplyProblem(t, r, http.StatusForbidden, "banned")
			wantRetryAfter(t, r, 1700, 1800)
		}
		if r := g.from(t, http.MethodGet, "/api/x", bystander, ""); r.status != http.StatusOK {
			t.Errorf("another address: status %d", r.status)
		}
		if src := g.bans(t)["ip:"+client]; src != "admin" {
			t.Errorf("GET /admin/bans: ip:%s source %q, want admin", client, src)
		}

		r = g.admin(t, http.MethodDelete, "/admin/bans/ip:"+client, testAdminToken, "")
		if r.status != http.StatusNoContent {
			t.Fatalf("DELETE: status %d, body %q", r.status, r.body)
		}
		if r := g.from(t, http.MethodGet, "/api/x", client, ""); r.status != http.StatusOK {
			t.Errorf("right after the unban: status %d, body %q", r.status, r.body)
		}
		r = g.admin(t, http.MethodDelete, "/admin/bans/ip:"+client, testAdminToken, "")
		wantReplyProblem(t, r, http.StatusNotFound, "not_found")

		g.waitMetricAtLeast(t, "rampart_security_actions_total", map[string]string{"action": "banned_request", "kind": "ip"}, 3)
		eventually(t, "admin.bans.add and admin.bans.delete events", func() bool {
			ev := g.events(t)
			return strings.Contains(ev, `"action":"admin.bans.add"`) && strings.Contains(ev, `"action":"admin.bans.delete"`)
		})
		for line := range strings.SplitSeq(g.events(t), "\n") {
			if strings.Contains(line, `"admin.bans.add"`) && !strings.Contains(line, "192.0.2.40") {
				t.Errorf("admin.bans.add event does not name the key: %s", line)
			}
			if strings.Contains(line, testAdminToken) {
				t.Errorf("an event holds the admin token: %s", line)
			}
		}
	})

	t.Run("network ban", func(t *testing.T) {
		g.ban(t, "net:198.51.100.0/24", "1h")
		wantReplyProblem(t, g.from(t, http.MethodGet, "/api/x", "198.51.100.200", ""), http.StatusForbidden, "banned")
		if r := g.from(t, http.MethodGet, "/api/x", "198.51.101.1", ""); r.status != http.StatusOK {
			t.Errorf("address outside the banned /24: status %d", r.status)
		}
		// Only the /24 the guard checks can be banned.
		r := g.admin(t, http.MethodPost, "/admin/bans", testAdminToken, `{"key":"net:198.51.0.0/16","duration":"1h"}`)
		wantReplyProblem(t, r, http.StatusBadRequest, "bad_key")
		r = g.admin(t, http.MethodPost, "/admin/bans", testAdminToken, `{"key":"192.0.2.1","duration":"-5m"}`)
		wantReplyProblem(t, r, http.StatusBadRequest, "bad_duration")
	})
	if strings.Contains(g.stderr.String(), testAdminToken) {
		t.Error("the process log holds the admin token")
	}
}
