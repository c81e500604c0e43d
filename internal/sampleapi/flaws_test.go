package sampleapi

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Each test exploits one deliberate flaw in vulnerable mode and checks that
// hardened mode refuses the same request.

func TestBOLARead(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			ta := newTestAPI(t, Config{Hardened: m.hardened})
			bob := ta.bob()

			wantStatus(t, ta.do("GET", "/api/items/4", bob, nil), http.StatusOK) // his own

			r := ta.do("GET", "/api/items/1", bob, nil) // alice's
			if m.hardened {
				wantStatus(t, r, http.StatusNotFound)
				return
			}
			wantStatus(t, r, http.StatusOK)
			if got := r.json(t)["owner_id"]; got != float64(1) {
				t.Errorf("owner_id = %v, want alice's 1", got)
			}
		})
	}
}

func TestBOLAWrite(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			ta := newTestAPI(t, Config{Hardened: m.hardened})
			bob, alice := ta.bob(), ta.alice()

			r := ta.do("PUT", "/api/items/1", bob, map[string]string{"name": "pwned by bob", "description": "x"})
			after := ta.do("GET", "/api/items/1", alice, nil).json(t)["name"]
			if m.hardened {
				wantStatus(t, r, http.StatusNotFound)
				if after != "hello notebook" {
					t.Errorf("alice's item name = %v, want it unchanged", after)
				}
				return
			}
			wantStatus(t, r, http.StatusOK)
			if after != "pwned by bob" {
				t.Errorf("alice's item name = %v, want bob's overwrite", after)
			}
		})
	}
}

// searchIDs runs a search as token and returns the item ids found.
func searchIDs(t *testing.T, ta *testAPI, token, q string) []float64 {
	t.Helper()
	r := ta.do("GET", "/api/search?q="+url.QueryEscape(q), token, nil)
	wantStatus(t, r, http.StatusOK)
	var ids []float64
	for _, row := range r.json(t)["results"].([]any) {
		ids = append(ids, row.(map[string]any)["id"].(float64))
	}
	return ids
}

func TestSQLInjectionReturnsOtherUsersRows(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			ta := newTestAPI(t, Config{Hardened: m.hardened})
			bob := ta.bob()

			if got := searchIDs(t, ta, bob, "hello"); len(got) != 1 || got[0] != 4 {
				t.Fatalf("honest search = %v, want only bob's item 4", got)
			}
			got := searchIDs(t, ta, bob, "' OR '1'='1")
			if m.hardened {
				if len(got) != 0 {
					t.Errorf("injection found %v, want nothing (the text is matched literally)", got)
				}
				return
			}
			if len(got) != 8 {
				t.Errorf("injection found %v, want all 8 seeded items of every user", got)
			}
		})
	}
}

func TestSQLInjectionUnionDumpsUsers(t *testing.T) {
	ta := newTestAPI(t, Config{})
	q := "' UNION SELECT id, username, password_hash FROM users --"
	r := ta.do("GET", "/api/search?q="+url.QueryEscape(q), ta.bob(), nil)
	wantStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.body), `"admin"`) || !strings.Contains(string(r.body), sha256Hex("admin-password-3")) {
		t.Errorf("union injection did not dump the admin's hash: %s", r.body)
	}
}

func TestSQLInjectionCannotWriteOrAttach(t *testing.T) {
	ta := newTestAPI(t, Config{})
	bob := ta.bob()
	file := t.TempDir() + "/stolen.db"
	for _, q := range []string{
		"'; DELETE FROM items; --",
		"'; UPDATE users SET role = 'admin'; --",
		"' AND 0; ATTACH DATABASE '" + file + "' AS x; --",
		"' AND 0; VACUUM INTO '" + file + "'; --",
		"' AND length(randomblob(100000000)) > 0 --",
	} {
		r := ta.do("GET", "/api/search?q="+url.QueryEscape(q), bob, nil)
		if r.status == http.StatusOK && strings.Contains(q, ";") {
			t.Errorf("q=%q: status 200, want the stacked statement refused", q)
		}
	}
	if got := searchIDs(t, ta, bob, "' OR '1'='1"); len(got) != 8 {
		t.Errorf("items after the attempts = %v, want all 8 intact", got)
	}
	if role := ta.do("GET", "/api/users/me", bob, nil).json(t)["role"]; role != "user" {
		t.Errorf("bob's role = %v, want user", role)
	}
	if fileExists(file) {
		t.Errorf("injection created %s", file)
	}
}

func TestSQLErrorLeaksStackTrace(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			ta := newTestAPI(t, Config{Hardened: m.hardened})
			r := ta.do("GET", "/api/search?q="+url.QueryEscape("'"), ta.bob(), nil)
			if m.hardened {
				wantStatus(t, r, http.StatusOK) // a quote is just text
				return
			}
			wantStatus(t, r, http.StatusInternalServerError)
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("Content-Type = %q, want text/plain", ct)
			}
			for _, want := range []string{"SELECT id, name, description FROM items", "goroutine", "runtime/debug.Stack", "sampleapi.(*API).search"} {
				if !strings.Contains(string(r.body), want) {
					t.Errorf("500 body lacks %q:\n%s", want, r.body)
				}
			}
		})
	}
}

func TestInternalErrorBody(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			ta := newTestAPI(t, Config{Hardened: m.hardened})
			tok := ta.alice()
			if err := ta.api.Close(); err != nil { // every query now fails
				t.Fatal(err)
			}
			r := ta.do("GET", "/api/users/me", tok, nil)
			wantStatus(t, r, http.StatusInternalServerError)
			leaks := strings.Contains(string(r.body), "goroutine")
			if m.hardened {
				if leaks || r.header.Get("Content-Type") != "application/problem+json" {
					t.Errorf("hardened 500 = %q %s, want a bare problem+json", r.header.Get("Content-Type"), r.body)
				}
			} else if !leaks {
				t.Errorf("vulnerable 500 has no stack trace: %s", r.body)
			}
		})
	}
}

func TestMassAssignment(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			ta := newTestAPI(t, Config{Hardened: m.hardened})
			bob := ta.bob()

			r := ta.do("PATCH", "/api/users/me", bob, map[string]any{"name": "Bobby", "role": "admin", "is_admin": true})
			me := ta.do("GET", "/api/users/me", bob, nil).json(t)
			if m.hardened {
				wantStatus(t, r, http.StatusBadRequest)
				if me["role"] != "user" || me["is_admin"] != false || me["name"] != "Bob Builder" {
					t.Errorf("profile after refused patch = %v, want it unchanged", me)
				}
				// The legitimate part alone is accepted.
				r = ta.do("PATCH", "/api/users/me", bob, map[string]any{"name": "Bobby", "email": "bobby@example.com"})
				wantStatus(t, r, http.StatusOK)
				if got := r.json(t)["name"]; got != "Bobby" {
					t.Errorf("name = %v, want Bobby", got)
				}
				return
			}
			wantStatus(t, r, http.StatusOK)
			if me["role"] != "admin" || me["is_admin"] != true || me["name"] != "Bobby" {
				t.Errorf("profile = %v, want bob promoted to admin", me)
			}
			// A fresh login now carries the stolen role in the token.
			claims, err := ta.api.parseToken(ta.bob())
			if err != nil || claims.Role != "admin" {
				t.Errorf("new token role = %+v (%v), want admin", claims, err)
			}
		})
	}
}

func TestBFLAAdminUsers(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			ta := newTestAPI(t, Config{Hardened: m.hardened})

			r := ta.do("GET", "/api/admin/users", ta.bob(), nil)
			if m.hardened {
				wantStatus(t, r, http.StatusForbidden)
				r = ta.do("GET", "/api/admin/users", ta.admin(), nil)
				wantStatus(t, r, http.StatusOK)
				if strings.Contains(string(r.body), "password_hash") {
					t.Errorf("hardened admin listing exposes hashes: %s", r.body)
				}
				return
			}
			wantStatus(t, r, http.StatusOK)
			users := r.json(t)["users"].([]any)
			if len(users) != 3 {
				t.Fatalf("users = %d, want 3", len(users))
			}
			alice := users[0].(map[string]any)
			if alice["password_hash"] != sha256Hex("alice-password-1") {
				t.Errorf("alice's leaked hash = %v, want the unsalted sha-256 of her password", alice["password_hash"])
			}
		})
	}
}

func TestExcessiveDataExposure(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			ta := newTestAPI(t, Config{Hardened: m.hardened})
			r := ta.do("GET", "/api/orders/1", ta.alice(), nil) // her own order
			wantStatus(t, r, http.StatusOK)
			o := r.json(t)
			if o["card_last4"] != "1111" {
				t.Errorf("card_last4 = %v, want 1111", o["card_last4"])
			}
			if m.hardened {
				if o["card_number"] != "************1111" {
					t.Errorf("card_number = %v, want it masked", o["card_number"])
				}
				for _, k := range []string{"card_cvv", "card_expiry", "api_secret"} {
					if _, ok := o[k]; ok {
						t.Errorf("hardened order exposes %s", k)
					}
				}
				return
			}
			if o["card_number"] != "4111111111111111" || o["card_cvv"] != "123" ||
				!strings.HasPrefix(o["api_secret"].(string), "sapi_secret_") {
				t.Errorf("order = %v, want the full PAN, CVV and api_secret", o)
			}
		})
	}
}

func TestBOLAOrders(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			ta := newTestAPI(t, Config{Hardened: m.hardened})
			r := ta.do("GET", "/api/orders/1", ta.bob(), nil) // alice's
			if m.hardened {
				wantStatus(t, r, http.StatusNotFound)
				return
			}
			wantStatus(t, r, http.StatusOK)
		})
	}
}

func TestDebugEndpoint(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			ta := newTestAPI(t, Config{Hardened: m.hardened})
			r := ta.do("GET", "/api/debug/vars", "", nil) // no token needed
			if m.hardened {
				wantStatus(t, r, http.StatusNotFound)
				return
			}
			wantStatus(t, r, http.StatusOK)
			cfg := r.json(t)["config"].(map[string]any)
			if cfg["jwt_secret"] != WeakJWTSecret {
				t.Errorf("jwt_secret = %v, want %q", cfg["jwt_secret"], WeakJWTSecret)
			}
		})
	}
}

func TestFingerprintHeaders(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			ta := newTestAPI(t, Config{Hardened: m.hardened})
			r := ta.do("GET", "/api/healthz", "", nil)
			wantStatus(t, r, http.StatusOK)
			server, powered := r.header.Get("Server"), r.header.Get("X-Powered-By")
			if m.hardened {
				if server != "" || powered != "" {
					t.Errorf("banners Server=%q X-Powered-By=%q, want none", server, powered)
				}
				return
			}
			if server != "sampleapi/1.0" || powered != "Go" {
				t.Errorf("banners Server=%q X-Powered-By=%q, want sampleapi/1.0 and Go", server, powered)
			}
		})
	}
}

func TestReportCost(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			ta := newTestAPI(t, Config{Hardened: m.hardened})
			alice := ta.alice()
			wantStatus(t, ta.do("GET", "/api/report?n=100", alice, nil), http.StatusOK)

			r := ta.do("GET", "/api/report?n=50000", alice, nil) // 5x the hardened cap
			if m.hardened {
				wantStatus(t, r, http.StatusBadRequest)
				return
			}
			wantStatus(t, r, http.StatusOK)
			if got := r.json(t)["rounds"]; got != float64(50000) {
				t.Errorf("rounds = %v, want the 50000 the client asked for", got)
			}
		})
	}
}

func TestReportClampsInVulnerableMode(t *testing.T) {
	if testing.Short() {
		t.Skip("burns half a second of CPU")
	}
	ta := newTestAPI(t, Config{})
	r := ta.do("GET", "/api/report?n=999999999", ta.alice(), nil)
	wantStatus(t, r, http.StatusOK)
	if got := r.json(t)["rounds"]; got != float64(maxReportRoundsVulnerable) {
		t.Errorf("rounds = %v, want the cap %d", got, maxReportRoundsVulnerable)
	}
}

func TestLoginBruteForce(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			clock := newFakeClock()
			ta := newTestAPI(t, Config{Hardened: m.hardened, Now: clock.Now})
			wrong := map[string]string{"username": "alice", "password": "guess"}
			for range maxLoginFailures {
				wantStatus(t, ta.do("POST", "/api/login", "", wrong), http.StatusUnauthorized)
			}
			right := map[string]string{"username": "alice", "password": "alice-password-1"}
			r := ta.do("POST", "/api/login", "", right)
			if !m.hardened {
				wantStatus(t, r, http.StatusOK) // guessing goes on unhindered
				return
			}
			wantStatus(t, r, http.StatusTooManyRequests)
			if r.header.Get("Retry-After") != "900" {
				t.Errorf("Retry-After = %q, want 900", r.header.Get("Retry-After"))
			}
			// Other accounts are unaffected, and the lock expires.
			ta.bob()
			clock.Advance(lockoutWindow + time.Second)
			ta.alice()
		})
	}
}
