package admin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rampartsec/rampart/internal/store"
)

// mapList is a MarkList over a map, standing in for the store-backed lists
// the gateway wires (those are tested with the real stores).
type mapList struct {
	mu    sync.Mutex
	marks map[string]store.Mark
	fail  error
}

func (l *mapList) List(context.Context, int) ([]store.Mark, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []store.Mark
	for _, m := range l.marks {
		out = append(out, m)
	}
	return out, l.fail
}

func (l *mapList) Put(_ context.Context, m store.Mark) (store.Mark, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fail != nil {
		return m, l.fail
	}
	l.marks[m.Key] = m
	return m, nil
}

func (l *mapList) Delete(_ context.Context, key string) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, ok := l.marks[key]
	delete(l.marks, key)
	return ok, l.fail
}

func (l *mapList) Validate(key string) error {
	if !strings.HasPrefix(key, "ip:") {
		return errors.New("key must start with ip:")
	}
	return nil
}

const testToken = "0123456789abcdef0123456789abcdef"

func startAPI(t *testing.T, token string) (*httptest.Server, *mapList, *[]string) {
	t.Helper()
	bans := &mapList{marks: map[string]store.Mark{}}
	var actions []string
	var mu sync.Mutex
	a, err := New(Options{
		Gatherer: prometheus.NewRegistry(), Token: token,
		Lists: map[string]MarkList{"bans": bans},
		OnAction: func(action string, _ map[string]string) {
			mu.Lock()
			actions = append(actions, action)
			mu.Unlock()
		},
		Now: func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return srv, bans, &actions
}

func call(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAdminAPIBans(t *testing.T) {
	srv, bans, actions := startAPI(t, testToken)
	base := srv.URL + "/admin/bans"
	tests := []struct {
		name, method, url, token, body string
		want                           int
	}{
		{"no token", "GET", base, "", "", 401},
		{"wrong token", "GET", base, strings.Repeat("x", 32), "", 401},
		{"empty list", "GET", base, testToken, "", 200},
		{"add", "POST", base, testToken, `{"key":"ip:192.0.2.7","reason":"abuse","duration":"1h"}`, 201},
		{"add bad key", "POST", base, testToken, `{"key":"alice","duration":"1h"}`, 400},
		{"add bad duration", "POST", base, testToken, `{"key":"ip:192.0.2.8","duration":"soon"}`, 400},
		{"add in the past", "POST", base, testToken, `{"key":"ip:192.0.2.8","until":"2020-01-01T00:00:00Z"}`, 400},
		{"unknown field", "POST", base, testToken, `{"key":"ip:192.0.2.8","duration":"1h","admin":true}`, 400},
		{"not json", "POST", base, testToken, `ip:1`, 400},
		{"unknown list", "GET", srv.URL + "/admin/nope", testToken, "", 404},
		{"delete", "DELETE", base + "/ip:192.0.2.7", testToken, "", 204},
		{"delete again", "DELETE", base + "/ip:192.0.2.7", testToken, "", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, body := call(t, tt.method, tt.url, tt.token, tt.body); got != tt.want {
				t.Errorf("%s %s = %d, want %d: %s", tt.method, tt.url, got, tt.want, body)
			}
		})
	}
	if len(bans.marks) != 0 {
		t.Errorf("marks left: %v", bans.marks)
	}
	if got := strings.Join(*actions, ","); got != "admin.bans.add,admin.bans.delete" {
		t.Errorf("actions = %s", got)
	}
}

func TestAdminAPIListShowsMarks(t *testing.T) {
	srv, bans, _ := startAPI(t, testToken)
	bans.marks["ip:192.0.2.9"] = store.Mark{Key: "ip:192.0.2.9", Reason: "stuffing", Source: "bruteforce"}
	code, body := call(t, "GET", srv.URL+"/admin/bans", testToken, "")
	if code != 200 || !strings.Contains(body, `"key":"ip:192.0.2.9"`) || !strings.Contains(body, `"source":"bruteforce"`) {
		t.Errorf("GET = %d %s", code, body)
	}
}

func TestAdminAPIDisabledWithoutToken(t *testing.T) {
	srv, _, _ := startAPI(t, "")
	if code, _ := call(t, "GET", srv.URL+"/admin/bans", testToken, ""); code != 404 {
		t.Errorf("GET without a configured token = %d, want 404", code)
	}
}

func TestAdminAPIStoreFailure(t *testing.T) {
	cases := []struct {
		err     error
		code    int
		problem string
	}{
		{fmt.Errorf("redis at 10.1.2.3:6379: %w", store.ErrUnavailable), 503, "store_unavailable"},
		{fmt.Errorf("ban marks at 10.1.2.3:6379: %w", store.ErrFull), 507, "store_full"},
		{errors.New("decoding mark at 10.1.2.3:6379: invalid character"), 500, "store_error"},
	}
	for _, c := range cases {
		srv, bans, _ := startAPI(t, testToken)
		bans.fail = c.err
		for _, req := range [][2]string{{"GET", ""}, {"POST", `{"key":"ip:203.0.113.7","duration":"1h"}`}} {
			code, body := call(t, req[0], srv.URL+"/admin/bans", testToken, req[1])
			if code != c.code || !strings.Contains(body, `problem:`+c.problem+`"`) {
				t.Errorf("%s with store error %q = %d %s, want %d %s", req[0], c.err, code, body, c.code, c.problem)
			}
			if strings.Contains(body, "10.1.2.3") {
				t.Errorf("%s answer leaks the store's error: %s", req[0], body)
			}
		}
	}
}

func TestShortTokenRefused(t *testing.T) {
	if _, err := New(Options{Gatherer: prometheus.NewRegistry(), Token: "short"}); err == nil {
		t.Error("a short admin token was accepted")
	}
}
