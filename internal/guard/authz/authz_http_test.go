package authz

import (
	"net/http"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// testMaxBody is the body limit of the test gateway's owner checks.
const testMaxBody = 1 << 10

func route(name string) pipeline.Route { return pipeline.Route{API: "api", Route: name} }

// testConfig is a gateway with one route per kind of check.
func testConfig() Config {
	return Config{
		MaxBodyBytes: testMaxBody,
		Rules: []RouteRule{
			{Route: route("users"), Rule: Rule{
				Scopes:       []string{"orders:read"},
				PathTemplate: "/api/users/{user}/orders",
				Owner:        &OwnerRule{Param: "user", In: InPath, Claim: ClaimSubject, OverrideScopes: []string{"orders:admin"}},
			}},
			{Route: route("items"), Methods: []string{"GET"}, Rule: Rule{
				Owner: &OwnerRule{Param: "owner", In: InQuery, Claim: ClaimSubject, OverrideRoles: []string{"admin"}},
			}},
			{Route: route("items"), Methods: []string{"post", "PUT"}, Rule: Rule{
				Scopes: []string{"items:write"},
				Owner:  &OwnerRule{Param: "/owner_id", In: InBody, Claim: "uid"},
			}},
			{Route: route("admin"), Rule: Rule{Roles: []string{"admin", "ops"}}},
			{Route: route("internal"), Rule: Rule{
				AllowIPs: []string{"10.0.0.0/8", "2001:db8::/32", "::ffff:192.0.2.0/120"},
				DenyIPs:  []string{"10.6.6.0/24", "2001:db8:bad::/48"},
			}},
			{Route: route("orgs"), Rule: Rule{PathTemplate: "/api/orgs/{org}", Owner: &OwnerRule{Param: "org", In: InPath, Claim: "orgs"}}},
			{Route: route("uids"), Rule: Rule{PathTemplate: "/api/uids/{uid}", Owner: &OwnerRule{Param: "uid", In: InPath, Claim: "uid"}}},
			{Route: route("tenants"), Rule: Rule{PathTemplate: "/api/tenants/{t}/x", Owner: &OwnerRule{Param: "t", In: InPath, Claim: ClaimTenant}}},
			{Route: route("nested"), Rule: Rule{Owner: &OwnerRule{Param: "/order/customer/id", In: InBody, Claim: ClaimSubject}}},
			{Route: route("docs"), Methods: []string{"DELETE"}, Rule: Rule{Roles: []string{"admin"}}},
			{Route: pipeline.Route{API: "api"}, Rule: Rule{Scopes: []string{"orders:read"}}},
			{Route: route("public")},
		},
	}
}

// TestAuthorization runs every check through the real gateway: pass or the
// uniform 403, with the rule that decided recorded on the Outcome.
func TestAuthorization(t *testing.T) {
	gw := newGateway(t, testConfig(), pipeline.Enforce)
	tests := []struct {
		name         string
		call         call
		wantStatus   int
		wantRule     string
		wantCategory string
	}{
		// BOLA by path: /api/users/{user}/orders with claim sub.
		{name: "owner reads own orders", call: call{target: "/api/users/alice/orders", user: "alice"}, wantStatus: 200},
		{name: "BOLA: bob reads alice's orders", call: call{target: "/api/users/alice/orders", user: "bob"},
			wantStatus: 403, wantRule: RuleNotOwner, wantCategory: CategoryBOLA},
		{name: "BOLA: bob writes alice's orders", call: call{method: "DELETE", target: "/api/users/alice/orders", user: "bob"},
			wantStatus: 403, wantRule: RuleNotOwner},
		{name: "admin override scope", call: call{target: "/api/users/alice/orders", user: "root"}, wantStatus: 200},
		{name: "below the template", call: call{target: "/api/users/alice/orders/7", user: "alice"}, wantStatus: 200},
		{name: "BOLA below the template", call: call{target: "/api/users/alice/orders/7", user: "bob"}, wantStatus: 403, wantRule: RuleNotOwner},
		{name: "path shorter than the template fails closed", call: call{target: "/api/users/alice", user: "alice"},
			wantStatus: 403, wantRule: RuleNotOwner},
		{name: "literal mismatch fails closed", call: call{target: "/api/users/alice/invoices", user: "alice"},
			wantStatus: 403, wantRule: RuleNotOwner},
		{name: "percent-encoded owner is decoded", call: call{target: "/api/users/%61lice/orders", user: "alice"}, wantStatus: 200},
		{name: "encoded slash stays in the segment", call: call{target: "/api/users/alice%2Fbob/orders", user: "alice"},
			wantStatus: 403, wantRule: RuleNotOwner},
		{name: "segment parameter is not the owner", call: call{target: "/api/users/alice;v=bob/orders", user: "alice"},
			wantStatus: 403, wantRule: RuleNotOwner},
		{name: "owner compare is case-sensitive", call: call{target: "/api/users/ALICE/orders", user: "alice"},
			wantStatus: 403, wantRule: RuleNotOwner},
		{name: "no identity fails closed", call: call{target: "/api/users/alice/orders"},
			wantStatus: 403, wantRule: RuleNoIdentity, wantCategory: CategoryBFLA},
		{name: "missing scope", call: call{target: "/api/users/carol/orders", user: "carol"},
			wantStatus: 403, wantRule: RuleMissingScope, wantCategory: CategoryBFLA},

		// Owner in the query, with parameter pollution.
		{name: "query owner", call: call{target: "/api/items?owner=alice", user: "alice"}, wantStatus: 200},
		{name: "query owner encoded", call: call{target: "/api/items?owner=%61lice&q=x", user: "alice"}, wantStatus: 200},
		{name: "BOLA by query", call: call{target: "/api/items?owner=alice", user: "bob"}, wantStatus: 403, wantRule: RuleNotOwner},
		{name: "HEAD follows the GET rule", call: call{method: "HEAD", target: "/api/items?owner=alice", user: "bob"},
			wantStatus: 403, wantRule: RuleNotOwner},
		{name: "lower-case method follows the GET rule", call: call{method: "get", target: "/api/items?owner=alice", user: "bob"},
			wantStatus: 403, wantRule: RuleNotOwner},
		{name: "query owner missing", call: call{target: "/api/items?q=x", user: "alice"}, wantStatus: 403, wantRule: RuleNotOwner},
		{name: "HPP: second copy", call: call{target: "/api/items?owner=alice&owner=bob", user: "alice"}, wantStatus: 403, wantRule: RuleNotOwner},
		{name: "HPP: case variant", call: call{target: "/api/items?OWNER=bob&owner=alice", user: "alice"}, wantStatus: 403, wantRule: RuleNotOwner},
		{name: "HPP: semicolon separator", call: call{target: "/api/items?owner=alice;owner=bob", user: "alice"}, wantStatus: 403, wantRule: RuleNotOwner},
		{name: "HPP: array syntax", call: call{target: "/api/items?owner[]=bob&owner=alice", user: "alice"}, wantStatus: 403, wantRule: RuleNotOwner},
		{name: "override role skips the query check", call: call{target: "/api/items?owner=bob", user: "root"}, wantStatus: 200},

		// Owner in a JSON body (claim uid = 42 for alice).
		{name: "body owner", call: call{method: "POST", target: "/api/items", user: "alice", body: `{"owner_id":42,"name":"x"}`,
			contentType: "application/json"}, wantStatus: 200},
		{name: "body owner as string", call: call{method: "PUT", target: "/api/items", user: "alice", body: `{"owner_id":"42"}`,
			contentType: "application/json; charset=utf-8"}, wantStatus: 200},
		{name: "body without owner field passes", call: call{method: "POST", target: "/api/items", user: "alice", body: `{"name":"x"}`,
			contentType: "application/json"}, wantStatus: 200},
		{name: "empty body passes", call: call{method: "POST", target: "/api/items", user: "alice"}, wantStatus: 200},
		{name: "BOLA by body", call: call{method: "POST", target: "/api/items", user: "alice", body: `{"owner_id":43}`,
			contentType: "application/json"}, wantStatus: 403, wantRule: RuleNotOwner, wantCategory: CategoryBOLA},
		{name: "duplicate owner member", call: call{method: "POST", target: "/api/items", user: "alice", body: `{"owner_id":42,"owner_id":43}`,
			contentType: "application/json"}, wantStatus: 403, wantRule: RuleNotOwner},
		{name: "case variant owner member", call: call{method: "POST", target: "/api/items", user: "alice", body: `{"Owner_ID":43,"owner_id":42}`,
			contentType: "application/json"}, wantStatus: 403, wantRule: RuleNotOwner},
		{name: "escaped owner member name", call: call{method: "POST", target: "/api/items", user: "alice", body: `{"owner\u005fid":43}`,
			contentType: "application/json"}, wantStatus: 403, wantRule: RuleNotOwner},
		{name: "NoSQL operator as owner", call: call{method: "POST", target: "/api/items", user: "alice", body: `{"owner_id":{"$ne":0}}`,
			contentType: "application/json"}, wantStatus: 403, wantRule: RuleNotOwner},
		{name: "null owner", call: call{method: "POST", target: "/api/items", user: "alice", body: `{"owner_id":null}`,
			contentType: "application/json"}, wantStatus: 403, wantRule: RuleNotOwner},
		{name: "owner as other number form", call: call{method: "POST", target: "/api/items", user: "alice", body: `{"owner_id":42.0}`,
			contentType: "application/json"}, wantStatus: 403, wantRule: RuleNotOwner},
		{name: "form body refused", call: call{method: "POST", target: "/api/items", user: "alice", body: `owner_id=43`,
			contentType: "application/x-www-form-urlencoded"}, wantStatus: 403, wantRule: RuleNotOwner},
		{name: "invalid JSON refused", call: call{method: "POST", target: "/api/items", user: "alice", body: `{"owner_id":42,}`,
			contentType: "application/json"}, wantStatus: 403, wantRule: RuleNotOwner},
		{name: "trailing JSON refused", call: call{method: "POST", target: "/api/items", user: "alice", body: `{"owner_id":42}{"owner_id":43}`,
			contentType: "application/json"}, wantStatus: 403, wantRule: RuleNotOwner},
		{name: "oversized body", call: call{method: "POST", target: "/api/items", user: "alice",
			body: `{"owner_id":42,"pad":"` + strings.Repeat("a", testMaxBody) + `"}`, contentType: "application/json"},
			wantStatus: 413, wantRule: RuleBodyTooLarge},
		{name: "oversized chunked body", call: call{method: "POST", target: "/api/items", user: "alice", chunked: true,
			body: `{"owner_id":42,"pad":"` + strings.Repeat("a", testMaxBody) + `"}`, contentType: "application/json"},
			wantStatus: 413, wantRule: RuleBodyTooLarge},
		{name: "scope checked before the body", call: call{method: "POST", target: "/api/items", user: "bob", body: `{"owner_id":43}`,
			contentType: "application/json"}, wantStatus: 403, wantRule: RuleMissingScope, wantCategory: CategoryBFLA},
		{name: "nested pointer", call: call{method: "POST", target: "/api/nested", user: "alice",
			body: `{"order":{"customer":{"id":"alice"},"items":[1]}}`}, wantStatus: 200},
		{name: "BOLA by nested pointer", call: call{method: "POST", target: "/api/nested", user: "alice",
			body: `{"order":{"customer":{"id":"bob"}}}`}, wantStatus: 403, wantRule: RuleNotOwner},

		// Other claims: a list, a number, the tenant.
		{name: "list claim member", call: call{target: "/api/orgs/globex", user: "alice"}, wantStatus: 200},
		{name: "list claim non-member", call: call{target: "/api/orgs/initech", user: "alice"}, wantStatus: 403, wantRule: RuleNotOwner},
		{name: "claim absent", call: call{target: "/api/orgs/acme", user: "bob"}, wantStatus: 403, wantRule: RuleNotOwner},
		{name: "numeric claim", call: call{target: "/api/uids/42", user: "alice"}, wantStatus: 200},
		{name: "numeric claim other id", call: call{target: "/api/uids/43", user: "alice"}, wantStatus: 403, wantRule: RuleNotOwner},
		{name: "numeric claim other spelling", call: call{target: "/api/uids/042", user: "alice"}, wantStatus: 403, wantRule: RuleNotOwner},
		{name: "tenant claim", call: call{target: "/api/tenants/acme/x", user: "alice"}, wantStatus: 200},
		{name: "other tenant", call: call{target: "/api/tenants/acme/x", user: "bob"}, wantStatus: 403, wantRule: RuleNotOwner},

		// BFLA: roles.
		{name: "role held", call: call{target: "/api/admin/users", user: "root"}, wantStatus: 200},
		{name: "BFLA: user on an admin route", call: call{target: "/api/admin/users", user: "alice"},
			wantStatus: 403, wantRule: RuleMissingRole, wantCategory: CategoryBFLA},

		// Method overrides must not dodge the rule of the method they become.
		{name: "POST without override", call: call{method: "POST", target: "/api/docs/1", user: "alice"}, wantStatus: 200},
		{name: "BFLA: DELETE rule", call: call{method: "DELETE", target: "/api/docs/1", user: "alice"}, wantStatus: 403, wantRule: RuleMissingRole},
		{name: "BFLA: override header", call: call{method: "POST", target: "/api/docs/1", user: "alice",
			header: http.Header{"X-Http-Method-Override": {"delete"}}}, wantStatus: 403, wantRule: RuleMissingRole},
		{name: "BFLA: X-HTTP-Method header", call: call{method: "POST", target: "/api/docs/1", user: "alice",
			header: http.Header{"X-Http-Method": {"PUT, DELETE"}}}, wantStatus: 403, wantRule: RuleMissingRole},
		{name: "BFLA: _method parameter", call: call{method: "POST", target: "/api/docs/1?_method=DELETE", user: "alice"},
			wantStatus: 403, wantRule: RuleMissingRole},
		{name: "BFLA: percent-encoded _method", call: call{method: "POST", target: "/api/docs/1?%5Fmethod=DELETE", user: "alice"},
			wantStatus: 403, wantRule: RuleMissingRole},
		{name: "BFLA: PHP-folded .method", call: call{method: "POST", target: "/api/docs/1?.method=DELETE", user: "alice"},
			wantStatus: 403, wantRule: RuleMissingRole},
		{name: "override allowed for an admin", call: call{method: "POST", target: "/api/docs/1", user: "root",
			header: http.Header{"X-Http-Method-Override": {"DELETE"}}}, wantStatus: 200},

		// IP lists (the client address comes from X-Forwarded-For via the
		// trusted loopback peer).
		{name: "allowed IPv4", call: call{target: "/api/internal/x", client: "10.1.2.3"}, wantStatus: 200},
		{name: "denied IPv4 inside the allowed range", call: call{target: "/api/internal/x", client: "10.6.6.6"},
			wantStatus: 403, wantRule: RuleIPDenied},
		{name: "IPv4 outside", call: call{target: "/api/internal/x", client: "192.168.1.1"}, wantStatus: 403, wantRule: RuleIPNotAllowed},
		{name: "allowed IPv6", call: call{target: "/api/internal/x", client: "2001:db8::1"}, wantStatus: 200},
		{name: "denied IPv6", call: call{target: "/api/internal/x", client: "2001:db8:bad::1"}, wantStatus: 403, wantRule: RuleIPDenied},
		{name: "IPv6 outside", call: call{target: "/api/internal/x", client: "2001:db9::1"}, wantStatus: 403, wantRule: RuleIPNotAllowed},
		{name: "IPv4-mapped client allowed", call: call{target: "/api/internal/x", client: "::ffff:10.1.2.3"}, wantStatus: 200},
		{name: "IPv4-mapped client denied", call: call{target: "/api/internal/x", client: "::ffff:10.6.6.6"}, wantStatus: 403, wantRule: RuleIPDenied},
		{name: "IPv4-mapped allow entry", call: call{target: "/api/internal/x", client: "192.0.2.7"}, wantStatus: 200},
		{name: "loopback peer not allowed", call: call{target: "/api/internal/x"}, wantStatus: 403, wantRule: RuleIPNotAllowed},

		// The API's default rule and an exempt route.
		{name: "API default rule passes", call: call{target: "/api/other", user: "alice"}, wantStatus: 200},
		{name: "API default rule needs an identity", call: call{target: "/api/other"}, wantStatus: 403, wantRule: RuleNoIdentity},
		{name: "exempt route", call: call{target: "/api/public/x"}, wantStatus: 200},
		{name: "unrouted request", call: call{target: "/health"}, wantStatus: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := gw.do(t, tt.call)
			if res.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d (denials %+v)", res.status, tt.wantStatus, res.outcome.Denials)
			}
			d := res.denial()
			switch {
			case tt.wantRule == "" && d != nil:
				t.Fatalf("unexpected denial %+v", d)
			case tt.wantRule != "" && d == nil:
				t.Fatal("no denial recorded")
			case tt.wantRule != "" && d.Rule != tt.wantRule:
				t.Fatalf("rule = %q, want %q (cause %v)", d.Rule, tt.wantRule, d.Cause)
			}
			if tt.wantCategory != "" && d.Category != tt.wantCategory {
				t.Errorf("category = %q, want %q", d.Category, tt.wantCategory)
			}
			if d != nil && d.Guard != "authz" {
				t.Errorf("guard = %q, want authz", d.Guard)
			}
			if tt.wantStatus == 403 && tt.call.method != http.MethodHead {
				if res.problem["detail"] != PublicMessage || res.problem["type"] != "urn:rampart:problem:forbidden" {
					t.Errorf("problem = %v, want the uniform 403", res.problem)
				}
			}
		})
	}
}
