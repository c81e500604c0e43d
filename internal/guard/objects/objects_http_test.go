package objects_test

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/guard/objects"
	"github.com/rampartsec/rampart/internal/pipeline"
)

func TestOwnerReadsWhatTheListServed(t *testing.T) {
	e := newEnv(t, envOptions{})
	alice := e.alice()

	wantForbidden(t, "alice reads item 1 before any list", e.gateway("GET", "/api/items/1", alice, nil))

	list := e.gateway("GET", "/api/items", alice, nil)
	wantStatus(t, "alice lists her items", list, http.StatusOK)
	ids := itemIDs(t, list)
	if strings.Join(ids, ",") != "1,2,3" {
		t.Fatalf("alice's items: %v, want 1,2,3", ids)
	}
	for _, id := range ids {
		r := e.gateway("GET", "/api/items/"+id, alice, nil)
		wantStatus(t, "alice reads item "+id, r, http.StatusOK)
		if got := r.json(t)["id"]; got != mustFloat(t, id) {
			t.Fatalf("item %s: body %s", id, r.body)
		}
		wantStatus(t, "alice HEADs item "+id, e.gateway("HEAD", "/api/items/"+id, alice, nil), http.StatusOK)
	}
	// Percent-encoded, the id is the same one.
	wantStatus(t, "alice reads /api/items/%31", e.gateway("GET", "/api/items/%31", alice, nil), http.StatusOK)
}

func TestForeignItemIsRefused(t *testing.T) {
	e := newEnv(t, envOptions{})
	alice, bob := e.alice(), e.bob()
	wantStatus(t, "alice lists", e.gateway("GET", "/api/items", alice, nil), http.StatusOK)
	wantStatus(t, "bob lists", e.gateway("GET", "/api/items", bob, nil), http.StatusOK)

	// The sample API is vulnerable: straight to it, bob reads alice's item.
	wantStatus(t, "bob reads item 1 directly (the flaw)", e.direct("GET", "/api/items/1", bob, nil), http.StatusOK)

	r := e.gateway("GET", "/api/items/1", bob, nil)
	wantForbidden(t, "bob reads alice's item 1", r)
	o := e.rec.OutcomeOf(t, r.requestID)
	if o.Verdict != pipeline.VerdictDenied || len(o.Denials) != 1 {
		t.Fatalf("outcome %+v, want one enforced denial", o)
	}
	d := o.Denials[0]
	if d.Guard != "objects" || d.Rule != objects.RuleNotServed || d.Category != "API1:2023" || d.Severity != pipeline.SeverityHigh {
		t.Fatalf("denial %+v", d)
	}
	if cause := d.Cause.Error(); !strings.Contains(cause, `"1"`) || !strings.Contains(cause, `"bob"`) || !strings.Contains(cause, "item") {
		t.Fatalf("cause %q should name the item, the id and the subject", cause)
	}
	if bytes.Contains(r.body, []byte("bob")) || bytes.Contains(r.body, []byte("served")) {
		t.Fatalf("the 403 leaks the cause: %s", r.body)
	}
	evs := e.rec.EventsOfRequest(r.requestID)
	if len(evs) != 1 || evs[0].Kind != "denial" || evs[0].Subject != "bob" || evs[0].Monitor {
		t.Fatalf("events %+v, want one enforced denial event for bob", evs)
	}
	if n := e.denied["item/"+objects.RuleNotServed]; n != 1 {
		t.Fatalf("OnDenied called %d times, want 1", n)
	}
	// Bob's own items still work.
	wantStatus(t, "bob reads his item 4", e.gateway("GET", "/api/items/4", bob, nil), http.StatusOK)
}

func TestForeignItemCannotBeOverwritten(t *testing.T) {
	e := newEnv(t, envOptions{})
	alice, bob := e.alice(), e.bob()
	wantStatus(t, "bob lists", e.gateway("GET", "/api/items", bob, nil), http.StatusOK)
	before := e.direct("GET", "/api/items/1", alice, nil)
	wantStatus(t, "alice's item 1, directly", before, http.StatusOK)

	edit := map[string]string{"name": "pwned", "description": "bob was here"}
	wantForbidden(t, "bob PUTs alice's item", e.gateway("PUT", "/api/items/1", bob, edit))
	wantForbidden(t, "bob PATCHes alice's item", e.gateway("PATCH", "/api/items/1", bob, edit))
	wantForbidden(t, "bob DELETEs alice's item", e.gateway("DELETE", "/api/items/1", bob, nil))
	wantForbidden(t, "bob POSTs with X-HTTP-Method-Override: PUT",
		e.gateway("POST", "/api/items/1", bob, edit, "X-HTTP-Method-Override", "PUT"))
	wantForbidden(t, "bob POSTs with ?_method=put", e.gateway("POST", "/api/items/1?_method=put", bob, edit))
	wantForbidden(t, "bob POSTs with ?_METHOD=PUT", e.gateway("POST", "/api/items/1?_METHOD=PUT", bob, edit))
	wantForbidden(t, "bob POSTs with PHP's ?.method=put", e.gateway("POST", "/api/items/1?.method=put", bob, edit))

	after := e.direct("GET", "/api/items/1", alice, nil)
	if !bytes.Equal(before.body, after.body) {
		t.Fatalf("alice's item changed:\nbefore %s\nafter  %s", before.body, after.body)
	}
}

func TestCreatedItemIsUsableAtOnce(t *testing.T) {
	e := newEnv(t, envOptions{})
	alice, bob := e.alice(), e.bob()
	created := e.gateway("POST", "/api/items", bob, map[string]string{"name": "kite", "description": "red"})
	wantStatus(t, "bob creates an item", created, http.StatusCreated)
	id, _ := created.json(t)["id"].(float64)
	path := "/api/items/" + strconv.FormatFloat(id, 'f', -1, 64)
	wantStatus(t, "bob reads his new item", e.gateway("GET", path, bob, nil), http.StatusOK)
	wantStatus(t, "bob updates his new item", e.gateway("PUT", path, bob, map[string]string{"name": "kite", "description": "blue"}), http.StatusOK)
	wantForbidden(t, "alice reads bob's new item", e.gateway("GET", path, alice, nil))
}

func TestAdminOverrideSeesEverything(t *testing.T) {
	e := newEnv(t, envOptions{})
	admin := e.admin()
	for _, p := range []string{"/api/items/1", "/api/items/4", "/api/orders/1", "/api/orders/2"} {
		wantStatus(t, "admin reads "+p, e.gateway("GET", p, admin, nil), http.StatusOK)
	}
	wantForbidden(t, "bob is no admin", e.gateway("GET", "/api/items/1", e.bob(), nil))
}

func TestOrdersAndTheItemsTheyName(t *testing.T) {
	e := newEnv(t, envOptions{})
	alice, bob := e.alice(), e.bob()
	wantForbidden(t, "alice's order 1 before listing", e.gateway("GET", "/api/orders/1", alice, nil))
	wantStatus(t, "alice lists her orders", e.gateway("GET", "/api/orders", alice, nil), http.StatusOK)
	wantStatus(t, "alice reads order 1", e.gateway("GET", "/api/orders/1", alice, nil), http.StatusOK)
	wantStatus(t, "alice reads order 4", e.gateway("GET", "/api/orders/4", alice, nil), http.StatusOK)
	// Orders 1 and 4 name items 2 and 1: served to alice by the order list.
	wantStatus(t, "alice reads item 2, named by her order", e.gateway("GET", "/api/items/2", alice, nil), http.StatusOK)
	wantForbidden(t, "alice reads item 3, named by nothing she was served", e.gateway("GET", "/api/items/3", alice, nil))
	wantForbidden(t, "bob reads alice's order 1", e.gateway("GET", "/api/orders/1", bob, nil))
}

func TestMonitorModePassesRecordsAndLearnsNothingFromIt(t *testing.T) {
	e := newEnv(t, envOptions{mode: pipeline.Monitor})
	bob := e.bob()
	for range 2 {
		r := e.gateway("GET", "/api/items/1", bob, nil)
		wantStatus(t, "bob reads alice's item in monitor mode", r, http.StatusOK)
		o := e.rec.OutcomeOf(t, r.requestID)
		if o.Verdict != pipeline.VerdictFlagged || len(o.Denials) != 1 || o.Denials[0].Rule != objects.RuleNotServed {
			t.Fatalf("outcome %+v, want flagged by %s", o, objects.RuleNotServed)
		}
		evs := e.rec.EventsOfRequest(r.requestID)
		if len(evs) != 1 || !evs[0].Monitor || evs[0].Category != "API1:2023" {
			t.Fatalf("events %+v, want one monitored denial", evs)
		}
	}
	// Alice's order 1 names item 2. Bob's refused read of it passes in
	// monitor mode, and must not teach him the item.
	wantStatus(t, "bob reads alice's order 1 (monitor)", e.gateway("GET", "/api/orders/1", bob, nil), http.StatusOK)
	r := e.gateway("GET", "/api/items/2", bob, nil)
	if o := e.rec.OutcomeOf(t, r.requestID); o.Verdict != pipeline.VerdictFlagged {
		t.Fatalf("bob's read of item 2 after peeking at alice's order: verdict %s, want flagged", o.Verdict)
	}
}

func TestFlagRulePassesWithAnEvent(t *testing.T) {
	rules := sampleRules()
	rules[0].Unknown = objects.UnknownFlag
	e := newEnv(t, envOptions{rules: rules})
	bob := e.bob()
	r := e.gateway("GET", "/api/items/1", bob, nil)
	wantStatus(t, "flagged read", r, http.StatusOK)
	o := e.rec.OutcomeOf(t, r.requestID)
	evs := e.rec.EventsOfRequest(r.requestID)
	if o.Verdict != pipeline.VerdictAllowed || len(evs) != 1 || evs[0].Rule != objects.RuleNotServed || !evs[0].Monitor || evs[0].Guard != "objects" {
		t.Fatalf("verdict %s, events %+v: want allowed with one monitored denial event", o.Verdict, evs)
	}
	wantForbidden(t, "orders still enforce", e.gateway("GET", "/api/orders/1", bob, nil))
}

func TestUnknownSubjectAndNoIdentity(t *testing.T) {
	e := newEnv(t, envOptions{})
	carol := mintToken(t, "carol", "")
	wantForbidden(t, "carol, never served anything", e.gateway("GET", "/api/items/1", carol, nil))
	// Without an identity the guard cannot decide; the API answers 401.
	wantStatus(t, "anonymous", e.gateway("GET", "/api/items/1", "", nil), http.StatusUnauthorized)
}

func TestMalformedAndConfusingPaths(t *testing.T) {
	e := newEnv(t, envOptions{})
	alice, bob := e.alice(), e.bob()
	wantStatus(t, "alice lists", e.gateway("GET", "/api/items", alice, nil), http.StatusOK)
	wantStatus(t, "bob lists", e.gateway("GET", "/api/items", bob, nil), http.StatusOK)
	for _, p := range []string{
		"/api/items/abc",
		"/api/items/99999999999999999999999999999999",
		"/api/items/-1",
		"/api/items/1.0",
		"/api/items/01",
		"/api/items/" + strings.Repeat("9", 5000),
		"/api/items/%00",
		"/api/items/1;x=1",
		"/api/items/1%2F4",
		// Readings of alice's item 1 by bob, who owns 4.
		"/api/items//1",
		"/api//items/1",
		"/API/Items/1",
		"/api/items/4/../1",
		"/api/items/4/..;/1",
		"/api/items/4/%2e%2e/1",
		"/api/items;x/1",
		"/api/x/../items/1",
		"/api/items/4%2F..%2F1",
		"/api/items/4\\..\\1",
		"/api/items/1/anything",
	} {
		r := e.gateway("GET", p, bob, nil)
		if r.status != http.StatusForbidden {
			t.Errorf("bob GET %.60s: %d, want 403 (body %.200s)", p, r.status, r.body)
		}
	}
	// The API has no such path (404), but the guard lets bob's own id by.
	wantStatus(t, "bob's own item, with a trailing slash", e.gateway("GET", "/api/items/4/", bob, nil), http.StatusNotFound)
	wantStatus(t, "the list is not an object access", e.gateway("GET", "/api/items/", bob, nil), http.StatusNotFound)
}

func TestLearnedIDsExpire(t *testing.T) {
	rules := sampleRules()
	rules[0].TTL = time.Hour
	e := newEnv(t, envOptions{rules: rules})
	alice := e.alice()
	wantStatus(t, "alice lists", e.gateway("GET", "/api/items", alice, nil), http.StatusOK)
	e.clock.Advance(59 * time.Minute)
	wantStatus(t, "within the ttl", e.gateway("GET", "/api/items/1", alice, nil), http.StatusOK)
	e.clock.Advance(2 * time.Minute)
	wantForbidden(t, "after the ttl", e.gateway("GET", "/api/items/1", alice, nil))
	wantStatus(t, "alice lists again", e.gateway("GET", "/api/items", alice, nil), http.StatusOK)
	wantStatus(t, "learned again", e.gateway("GET", "/api/items/1", alice, nil), http.StatusOK)
}

func TestBodyReachesTheClientIntact(t *testing.T) {
	e := newEnv(t, envOptions{})
	alice := e.alice()
	for _, p := range []string{"/api/items", "/api/orders", "/api/items?q=hello"} {
		via := e.gateway("GET", p, alice, nil)
		direct := e.direct("GET", p, alice, nil)
		wantStatus(t, "gateway "+p, via, http.StatusOK)
		if !bytes.Equal(via.body, direct.body) {
			t.Fatalf("%s through the gateway differs from the API's:\n%s\n%s", p, via.body, direct.body)
		}
		if via.header.Get("Content-Length") != direct.header.Get("Content-Length") {
			t.Fatalf("%s: content-length %q, want %q", p, via.header.Get("Content-Length"), direct.header.Get("Content-Length"))
		}
	}
}

func TestRulesForOneAPIAppliesToEveryRoute(t *testing.T) {
	rules := sampleRules()
	rules[0].Route = pipeline.Route{API: "sample"} // every route of the API
	e := newEnv(t, envOptions{rules: rules})
	bob := e.bob()
	wantStatus(t, "bob lists", e.gateway("GET", "/api/items", bob, nil), http.StatusOK)
	wantStatus(t, "bob reads his item", e.gateway("GET", "/api/items/4", bob, nil), http.StatusOK)
	wantForbidden(t, "bob reads alice's item", e.gateway("GET", "/api/items/1", bob, nil))
}

func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
