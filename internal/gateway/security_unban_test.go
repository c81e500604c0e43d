package gateway

import (
	"fmt"
	"net/http"
	"testing"
)

// TestLiftedStuffingBanIsWrittenAgain: an operator lifts a credential
// stuffing ban; the source is served again, and its next failed login
// (its distinct-account count is still over the threshold) bans it anew
// instead of leaving it free until the lifted ban would have ended.
func TestLiftedStuffingBanIsWrittenAgain(t *testing.T) {
	g := sampleLoginGateways(t, 1, "")[0]
	const attacker = "10.60.1.7"
	login := func(account string) reply {
		t.Helper()
		r, err := send(g.client, http.MethodPost, g.url("/api/login"), attacker, loginBody(account, "Summer2024!"), nil)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for j := range 10 {
		if r := login(fmt.Sprintf("leaked-%d@example.com", j)); r.status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d, body %q", j+1, r.status, r.body)
		}
	}
	eventually(t, "the stuffing ban", func() bool { return g.bans(t)["ip:"+attacker] == "bruteforce" })

	if r := g.admin(t, http.MethodDelete, "/admin/bans/ip:"+attacker, testAdminToken, ""); r.status != http.StatusNoContent {
		t.Fatalf("DELETE the ban: status %d, body %q", r.status, r.body)
	}
	if _, ok := g.bans(t)["ip:"+attacker]; ok {
		t.Fatal("the ban is still listed after DELETE")
	}
	if r := login("leaked-10@example.com"); r.status != http.StatusUnauthorized {
		t.Fatalf("first attempt after the lifted ban: status %d, body %q; want the upstream's 401", r.status, r.body)
	}
	eventually(t, "the source to be banned again", func() bool { return g.bans(t)["ip:"+attacker] == "bruteforce" })
}
