package probe

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/attack/core"
)

func TestCurl(t *testing.T) {
	tests := []struct {
		name string
		req  core.HTTPRequest
		want string
	}{
		{"get as profile", core.HTTPRequest{Method: "GET", URL: "http://h/api/me", Profile: "user1",
			Header: map[string][]string{"Authorization": {"Bearer [redacted]"}, "User-Agent": {"x"}}},
			`curl -sS -i 'http://h/api/me' -H 'Authorization: Bearer '"$RAMPART_TOKEN_USER1"`},
		{"post with quote", core.HTTPRequest{Method: "POST", URL: "http://h/login", Body: `{"u":"o'neil"}`,
			Header: map[string][]string{"Content-Type": {"application/json"}}},
			`curl -sS -i -X 'POST' 'http://h/login' -H 'Content-Type: application/json' --data-raw '{"u":"o'\''neil"}'`},
		{"forged token", core.HTTPRequest{Method: "GET", URL: "http://h/x", Header: map[string][]string{"Authorization": {"Bearer [redacted]"}}},
			`curl -sS -i 'http://h/x' -H 'Authorization: Bearer '"$RAMPART_SECRET"`},
		{"key in url", core.HTTPRequest{Method: "GET", URL: "http://h/x?api_key=[redacted]&a=1"},
			`curl -sS -i 'http://h/x?api_key='"$RAMPART_SECRET"'&a=1'`},
		{"head", core.HTTPRequest{Method: "HEAD", URL: "http://h/"}, `curl -sS -i --head 'http://h/'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Curl(tt.req); got != tt.want {
				t.Errorf("Curl =\n %s\nwant\n %s", got, tt.want)
			}
		})
	}
}

func TestTokenVar(t *testing.T) {
	if got := TokenVar("team-admin.2"); got != "RAMPART_TOKEN_TEAM_ADMIN_2" {
		t.Errorf("TokenVar = %s", got)
	}
}

func TestMask(t *testing.T) {
	tests := map[string]string{
		"4111111111111111":                "************1111",
		"secret123":                       "*******23",
		"123":                             "***",
		"":                                "",
		strings.Repeat("a", 100) + "wxyz": "************wxyz",
	}
	for in, want := range tests {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
	// A short value inside a long one must not leave the long one in clear.
	if got := MaskIn("card 4111111111111111 cvv 111", "111", "4111111111111111"); strings.Contains(got, "4111111111111111") {
		t.Errorf("MaskIn left the card in clear: %s", got)
	}
}

func TestRedactQuery(t *testing.T) {
	ex := core.Exchange{Request: core.HTTPRequest{URL: "http://h/x?api_key=topsecret&q=1"}}
	got := RedactQuery(ex, "api_key").Request.URL
	if strings.Contains(got, "topsecret") || !strings.Contains(got, "api_key=[redacted]") || !strings.Contains(got, "q=1") {
		t.Errorf("RedactQuery = %s", got)
	}
}

func TestConcretePath(t *testing.T) {
	op := core.Operation{Path: "/api/items/{id}/parts/{part}", Params: []core.Param{
		{Name: "id", In: "path", Type: "integer", Example: 7},
		{Name: "part", In: "path", Format: "uuid"},
		{Name: "q", In: "query", Required: true, Type: "string"},
		{Name: "opt", In: "query"},
	}}
	want := "/api/items/7/parts/00000000-0000-4000-8000-000000000001?q=test"
	if got := ConcretePath(op); got != want {
		t.Errorf("ConcretePath = %s, want %s", got, want)
	}
	if got := ConcretePath(core.Operation{Path: "/a/{x}/b/{y}"}); got != "/a/1/b/1" {
		t.Errorf("undescribed params: %s", got)
	}
	if got := ConcretePath(core.Operation{Path: "/a/{x}", Params: []core.Param{{Name: "x", In: "path", Example: "../../etc"}}}); got != "/a/..%2F..%2Fetc" {
		t.Errorf("example is not escaped: %s", got)
	}
}

func TestSameContent(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{`{"id":1,"name":"a"}`, `{"id":2,"name":"a"}`, true},
		{`{"items":[{"id":1}]}`, `{"items":[{"id":1},{"id":2}]}`, true},
		{`{"user":"alice"}`, `{"error":"unauthorized"}`, false},
		{``, ``, false},
		{`<html>home</html>`, `<html>home</html>`, true},
	}
	for _, tt := range tests {
		if got := SameContent([]byte(tt.a), []byte(tt.b)); got != tt.want {
			t.Errorf("SameContent(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestLengthBucket(t *testing.T) {
	if LengthBucket(0) != 0 || LengthBucket(10) != LengthBucket(60) || LengthBucket(100) == LengthBucket(1000) {
		t.Error("buckets do not group as documented")
	}
	if LengthBucket(1000) != LengthBucket(1010) {
		t.Error("a few bytes apart should share a bucket")
	}
}

func newScan(t *testing.T, target string) *core.Scan {
	t.Helper()
	s, err := core.NewScan(core.Config{Target: target, CanaryEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestCalibrator runs the soft-404 calibration against servers with
// different "not found" styles; a real resource must stand out and a miss
// must not.
func TestCalibrator(t *testing.T) {
	spa := `<!doctype html><html><head><title>App</title></head><body><div id="root"></div><script src="/main.4f3a9c1b.js"></script></body></html>`
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"plain 404", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }},
		{"wildcard 200 spa", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, spa)
		}},
		{"200 echoing the path with a request id", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"error":"no route %s","request_id":"%s","time":%d}`, r.URL.Path, RandomHex(8), len(r.URL.Path)*1000)
		}},
		{"redirect to login", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/login?next="+r.URL.Path, http.StatusFound)
		}},
		{"403 for dotfiles", func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.Path, "/.") {
				http.Error(w, "forbidden", http.StatusForbidden)
				return
			}
			http.NotFound(w, r)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("/", tt.handler)
			mux.HandleFunc("/.git/config", func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, "[core]\n\trepositoryformatversion = 0\n")
			})
			mux.HandleFunc("/api/admin", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"users":[{"id":1,"name":"alice"}],"total":1}`)
			})
			ts := httptest.NewServer(mux)
			defer ts.Close()
			s := newScan(t, ts.URL)
			c := NewCalibrator(s, "test", 2)
			ctx := context.Background()
			check := func(p string, wantNotFound bool) {
				t.Helper()
				resp, err := s.Do(ctx, core.Request{Path: p, Check: "test"})
				if err != nil {
					t.Fatal(err)
				}
				nf, err := c.NotFound(ctx, p, resp)
				if err != nil {
					t.Fatal(err)
				}
				if nf != wantNotFound {
					t.Errorf("NotFound(%s) = %v, want %v (status %d)", p, nf, wantNotFound, resp.Status)
				}
			}
			check("/api/admin", false)
			check("/.git/config", false)
			check("/api/definitely-missing", true)
			check("/.env", true)
			check("/backup", true)
			check("/api/v1/deep/missing", true)
		})
	}
}

func TestCalibratorBound(t *testing.T) {
	n := 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n++; http.NotFound(w, r) }))
	defer ts.Close()
	s := newScan(t, ts.URL)
	c := NewCalibrator(s, "test", 1)
	for _, p := range []string{"/a/x", "/b/x", "/c/x", "/x", "/a/y"} {
		if _, err := c.For(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
	// /a, then the root; /b and /c fall back to the root.
	if want := 2 * CalibrationRequests; s.Sent() != want {
		t.Errorf("sent %d calibration requests, want %d", s.Sent(), want)
	}
}

func TestDir(t *testing.T) {
	for in, want := range map[string]string{"/api/v1/users": "/api/v1", "/.env": "/", "/": "/", "": "/", "/a/b/?q=1": "/a/b", "x": "/"} {
		if got := Dir(in); got != want {
			t.Errorf("Dir(%q) = %q, want %q", in, got, want)
		}
	}
}
