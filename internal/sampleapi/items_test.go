package sampleapi

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestItemsLifecycle(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			ta := newTestAPI(t, Config{Hardened: m.hardened})
			alice := ta.alice()

			r := ta.do("POST", "/api/items", alice, map[string]string{"name": "hello 100%_done", "description": "new"})
			wantStatus(t, r, http.StatusCreated)
			created := r.json(t)
			if created["id"] != float64(9) || created["owner_id"] != float64(1) {
				t.Errorf("created = %v, want id 9 (sequential) owned by alice", created)
			}
			if loc := r.header.Get("Location"); loc != "/api/items/9" {
				t.Errorf("Location = %q, want /api/items/9", loc)
			}

			names := func(q string) []string {
				r := ta.do("GET", "/api/items?q="+url.QueryEscape(q), alice, nil)
				wantStatus(t, r, http.StatusOK)
				var out []string
				for _, it := range r.json(t)["items"].([]any) {
					out = append(out, it.(map[string]any)["name"].(string))
				}
				return out
			}
			if got := strings.Join(names("hello"), ","); got != "hello notebook,hello 100%_done" {
				t.Errorf("q=hello: %s", got)
			}
			// LIKE wildcards in q are literal, and q cannot inject.
			if got := strings.Join(names("%_"), ","); got != "hello 100%_done" {
				t.Errorf("q=%%_: %s", got)
			}
			if got := names("' OR '1'='1"); len(got) != 0 {
				t.Errorf("q=' OR '1'='1: %v, want nothing", got)
			}
			if got := len(names("")); got != 4 {
				t.Errorf("all of alice's items = %d, want 4", got)
			}

			r = ta.do("PUT", "/api/items/9", alice, map[string]string{"name": "renamed"})
			wantStatus(t, r, http.StatusOK)
			if got := ta.do("GET", "/api/items/9", alice, nil).json(t)["name"]; got != "renamed" {
				t.Errorf("name after PUT = %v", got)
			}
		})
	}
}

func TestItemsBadRequests(t *testing.T) {
	ta := newTestAPI(t, Config{Hardened: true})
	alice := ta.alice()
	tests := []struct {
		name, method, path string
		body               any
		want               int
	}{
		{"id not a number", "GET", "/api/items/abc", nil, http.StatusBadRequest},
		{"id zero", "GET", "/api/items/0", nil, http.StatusBadRequest},
		{"id missing", "GET", "/api/items/999", nil, http.StatusNotFound},
		{"empty name", "POST", "/api/items", map[string]string{"name": " "}, http.StatusUnprocessableEntity},
		{"long name", "POST", "/api/items", map[string]string{"name": strings.Repeat("x", 201)}, http.StatusUnprocessableEntity},
		{"array body", "POST", "/api/items", "[]", http.StatusBadRequest},
		{"huge body", "POST", "/api/items", `{"name":"` + strings.Repeat("x", maxBodyBytes) + `"}`, http.StatusBadRequest},
		{"unknown route", "GET", "/api/nope", nil, http.StatusNotFound},
		{"patch not object", "PATCH", "/api/users/me", "null", http.StatusBadRequest},
		{"patch bad email", "PATCH", "/api/users/me", map[string]any{"email": "nope"}, http.StatusUnprocessableEntity},
		{"patch number name", "PATCH", "/api/users/me", map[string]any{"name": 5}, http.StatusUnprocessableEntity},
		{"report negative", "GET", "/api/report?n=-1", nil, http.StatusBadRequest},
		{"order id bad", "GET", "/api/orders/x", nil, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ta.do(tt.method, tt.path, alice, tt.body)
			wantStatus(t, r, tt.want)
			if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q, want application/problem+json", ct)
			}
		})
	}
}

func TestListOrdersShowsOnlyOwn(t *testing.T) {
	ta := newTestAPI(t, Config{})
	r := ta.do("GET", "/api/orders", ta.alice(), nil)
	wantStatus(t, r, http.StatusOK)
	var ids []float64
	for _, o := range r.json(t)["orders"].([]any) {
		ids = append(ids, o.(map[string]any)["id"].(float64))
	}
	if len(ids) != 2 || ids[0] != 1 || ids[1] != 4 {
		t.Errorf("alice's orders = %v, want [1 4]", ids)
	}
}

func TestInstancesDoNotShareData(t *testing.T) {
	a, b := newTestAPI(t, Config{}), newTestAPI(t, Config{})
	wantStatus(t, a.do("POST", "/api/items", a.alice(), map[string]string{"name": "only in a"}), http.StatusCreated)
	wantStatus(t, a.do("GET", "/api/items/9", a.alice(), nil), http.StatusOK)
	wantStatus(t, b.do("GET", "/api/items/9", b.alice(), nil), http.StatusNotFound)
}

func TestSeededCardsPassLuhn(t *testing.T) {
	ta := newTestAPI(t, Config{})
	rows, err := ta.api.store.db.Query(`SELECT card_number FROM orders`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var pan string
		if err := rows.Scan(&pan); err != nil {
			t.Fatal(err)
		}
		if !luhn(pan) {
			t.Errorf("seeded card %s fails the Luhn check", pan)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no seeded cards")
	}
}

// luhn reports whether the digits in s pass the Luhn (mod 10) check.
func luhn(s string) bool {
	sum, double := 0, false
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if d < 0 || d > 9 {
			return false
		}
		if double {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return len(s) >= 12 && sum%10 == 0
}
