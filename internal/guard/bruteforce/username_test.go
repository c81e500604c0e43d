package bruteforce

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/jsonptr"
	"github.com/rampartsec/rampart/internal/pipeline"
)

func mustEndpoint(t testing.TB, ep Endpoint) *endpoint {
	t.Helper()
	e, err := ep.resolve()
	if err != nil {
		t.Fatalf("resolve: %v", err)
	}
	return e
}

func TestUsernameOf(t *testing.T) {
	huge := strings.Repeat("a", 70<<10)
	tests := []struct {
		name        string
		ep          Endpoint
		contentType string
		body        string
		target      string
		basic       [2]string
		want        string
		res         lookup
	}{
		{name: "json top level", contentType: "application/json", body: `{"username":"alice","password":"p"}`, want: "alice", res: userFound},
		{name: "json member case folded", contentType: "application/json", body: `{"USERNAME":"alice"}`, want: "alice", res: userFound},
		{name: "json escaped member name", contentType: "application/json", body: `{"user\u006eame":"alice"}`, want: "alice", res: userFound},
		{name: "json without content type", body: `{"username":"alice"}`, want: "alice", res: userFound},
		{name: "json vendor type", contentType: "application/vnd.api+json; charset=utf-8", body: `{"username":"alice"}`, want: "alice", res: userFound},
		{name: "json missing", contentType: "application/json", body: `{"password":"p"}`, res: userAbsent},
		{name: "json number", contentType: "application/json", body: `{"username":12345}`, res: userAbsent},
		{name: "json object (nosql operator)", contentType: "application/json", body: `{"username":{"$ne":null}}`, res: userAbsent},
		{name: "json array", contentType: "application/json", body: `{"username":["alice","bob"]}`, res: userAbsent},
		{name: "json null", contentType: "application/json", body: `{"username":null}`, res: userAbsent},
		{name: "json not an object", contentType: "application/json", body: `["username","alice"]`, res: userAbsent},
		{name: "json malformed", contentType: "application/json", body: `{"username":`, res: userAbsent},
		{name: "json trailing garbage", contentType: "application/json", body: `{"username":"alice", !!!`, want: "alice", res: userFound},
		{name: "json duplicate differing", contentType: "application/json", body: `{"username":"a","username":"b"}`, res: userAmbiguous},
		{name: "json duplicate string and number", contentType: "application/json", body: `{"username":"a","Username":1}`, res: userAmbiguous},
		{name: "json nested decoy ignored", contentType: "application/json", body: `{"x":{"username":"decoy"},"username":"alice"}`, want: "alice", res: userFound},
		{name: "json body over 64 KiB", contentType: "application/json", body: `{"username":"alice","pad":"` + huge + `"}`, res: userAbsent},
		{name: "json empty body", contentType: "application/json", body: ``, res: userAbsent},
		{name: "json pointer", ep: Endpoint{Username: UsernameSource{JSONField: "/credentials/user"}}, contentType: "application/json",
			body: `{"credentials":{"pass":"p","user":"carol"}}`, want: "carol", res: userFound},
		{name: "json pointer into array", ep: Endpoint{Username: UsernameSource{JSONField: "/users/1/name"}}, contentType: "application/json",
			body: `{"users":[{"name":"x"},{"name":"dave"}]}`, want: "dave", res: userFound},
		{name: "json pointer escapes", ep: Endpoint{Username: UsernameSource{JSONField: "/a~1b/c~0d"}}, contentType: "application/json",
			body: `{"a/b":{"c~d":"erin"}}`, want: "erin", res: userFound},
		{name: "json pointer through scalar", ep: Endpoint{Username: UsernameSource{JSONField: "/credentials/user"}}, contentType: "application/json",
			body: `{"credentials":"x"}`, res: userAbsent},
		{name: "form", contentType: "application/x-www-form-urlencoded", body: `username=frank&password=p`, want: "frank", res: userFound},
		{name: "form escaped", contentType: "application/x-www-form-urlencoded", body: `username=fr%61nk`, want: "frank", res: userFound},
		{name: "form missing", contentType: "application/x-www-form-urlencoded", body: `password=p`, res: userAbsent},
		{name: "form repeated differing", contentType: "application/x-www-form-urlencoded", body: `username=a&username=b`, res: userAmbiguous},
		{name: "form from query", contentType: "application/x-www-form-urlencoded", target: "/login?username=gina", body: `password=p`, want: "gina", res: userFound},
		{name: "form body and query differ", contentType: "application/x-www-form-urlencoded", target: "/login?username=decoy", body: `username=gina`, res: userAmbiguous},
		{name: "form bad escape", contentType: "application/x-www-form-urlencoded", body: `x=%zz&username=hank`, want: "hank", res: userFound},
		{name: "multipart not read", contentType: "multipart/form-data; boundary=x", body: "--x\r\n", res: userAbsent},
		{name: "basic auth", basic: [2]string{"ivan", "pw"}, want: "ivan", res: userFound},
		{name: "basic auth before body", basic: [2]string{"ivan", "pw"}, contentType: "application/json", body: `{"username":"other"}`, want: "ivan", res: userFound},
		{name: "basic auth disabled", ep: Endpoint{Username: UsernameSource{JSONField: "username"}}, basic: [2]string{"ivan", "pw"}, res: userAbsent},
		{name: "json only endpoint ignores form", ep: Endpoint{Username: UsernameSource{JSONField: "username"}},
			contentType: "application/x-www-form-urlencoded", body: `username=x`, res: userAbsent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ep := mustEndpoint(t, tc.ep)
			target := tc.target
			if target == "" {
				target = "/login"
			}
			r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(tc.body))
			if tc.contentType != "" {
				r.Header.Set("Content-Type", tc.contentType)
			}
			if tc.basic[0] != "" {
				r.SetBasicAuth(tc.basic[0], tc.basic[1])
			}
			got, res := usernameOf(r, ep)
			if got != tc.want || res != tc.res {
				t.Errorf("usernameOf = %q, %d; want %q, %d", got, res, tc.want, tc.res)
			}
			// The upstream must receive the body unchanged.
			rest, err := io.ReadAll(r.Body)
			if err != nil || string(rest) != tc.body {
				t.Errorf("body after reading: %d bytes, err %v; want the original %d bytes", len(rest), err, len(tc.body))
			}
		})
	}
}

// A body that fails mid-read (a client reset, bodylimit's cut) hands the
// same error on to the upstream reader after the bytes read.
func TestUsernameOfKeepsBodyReadError(t *testing.T) {
	ep := mustEndpoint(t, Endpoint{})
	r := httptest.NewRequest(http.MethodPost, "/login", nil)
	r.ContentLength = -1
	r.Body = http.MaxBytesReader(nil, io.NopCloser(strings.NewReader(`{"username":"alice"}`)), 5)
	if _, res := usernameOf(r, ep); res != userAbsent {
		t.Errorf("result %d, want userAbsent", res)
	}
	got, err := io.ReadAll(r.Body)
	var mbe *http.MaxBytesError
	if string(got) != `{"use` || !errors.As(err, &mbe) {
		t.Errorf("replay: %q, %v; want the first 5 bytes, then *http.MaxBytesError", got, err)
	}
}

// Bad usernames through the real chain: missing, huge, not a string,
// malformed. None panics, none is an account, and every one counts against
// the address, which is locked out at its threshold.
func TestBadUsernamesCountPerAddress(t *testing.T) {
	const ipLimit = 9
	cfg := Config{
		IP: Threshold{Failures: ipLimit},
		// The sample API answers malformed logins with 400: count those too.
		Endpoints: map[pipeline.Route]Endpoint{loginRoute: {Failure: FailureDetection{Statuses: []int{400, 401, 403}}}},
	}
	h := newHarness(t, cfg, harnessOptions{})
	const from = "198.51.100.99"
	bodies := []string{
		`{"password":"x"}`,
		`{"username":"` + strings.Repeat("A", 20<<10) + `","password":"x"}`,
		`{"username":12345,"password":"x"}`,
		`{"username":{"$gt":""},"password":"x"}`,
		`{"username":["alice"],"password":"x"}`,
		`{"username":null,"password":"x"}`,
		`{"username":true}`,
		`{"username":`,
		`{"username":"` + strings.Repeat("B", 80<<10) + `"}`,
	}
	for i, body := range bodies {
		rep := h.loginRaw(from, "application/json", body)
		if rep.status != http.StatusBadRequest && rep.status != http.StatusUnauthorized {
			t.Fatalf("body %d: status %d, want the upstream's 400 or 401", i, rep.status)
		}
	}
	if n := h.count(levelSource+prefixIP+from, DefaultWindow); n != ipLimit {
		t.Errorf("address counter = %d, want %d", n, ipLimit)
	}
	if rep := h.login(from, "bob", "bob-password-2"); rep.status != http.StatusTooManyRequests || rep.code != "too_many_attempts" {
		t.Errorf("after %d bad attempts: status %d %q, want the uniform 429", ipLimit, rep.status, rep.code)
	}
	if !h.hasMark(NamespaceLockout, prefixIP+from) {
		t.Error("no lockout mark for the address")
	}
}

func FuzzUsernameOf(f *testing.F) {
	seeds := []struct {
		ct, body, basic string
	}{
		{"application/json", `{"username":"alice","password":"p"}`, ""},
		{"application/json", `{"USERNAME":"a","username":"b"}`, ""},
		{"application/json", `{"credentials":{"user":"c"}}`, ""},
		{"application/json", `[[[[[[[[[[[[[[[[[[[[`, ""},
		{"application/json", `{"username":{"$ne":null}}`, ""},
		{"", `{"username":"\ud800"}`, ""},
		{"application/x-www-form-urlencoded", `username=a&username=a&password=%zz`, ""},
		{"application/x-www-form-urlencoded", `;;;&&&==`, ""},
		{"text/plain", `username=alice`, "Basic YWxpY2U6cHc="},
		{"", ``, "Basic !!!"},
	}
	for _, s := range seeds {
		f.Add(s.ct, []byte(s.body), s.basic, "username")
		f.Add(s.ct, []byte(s.body), s.basic, "/credentials/user")
	}
	f.Fuzz(func(t *testing.T, ct string, body []byte, authz, field string) {
		if _, err := jsonptr.ParseField(field); err != nil {
			return
		}
		ep, err := Endpoint{Username: UsernameSource{JSONField: field, FormField: field, BasicAuth: true}}.resolve()
		if err != nil {
			return
		}
		r := httptest.NewRequest(http.MethodPost, "/login", bytes.NewReader(body))
		r.Header.Set("Content-Type", ct)
		r.Header.Set("Authorization", authz)
		name, res := usernameOf(r, ep)
		if res != userFound && name != "" {
			t.Errorf("result %d with name %q", res, name)
		}
		rest, err := io.ReadAll(r.Body)
		if err != nil || !bytes.Equal(rest, body) {
			t.Errorf("body not replayed unchanged: %d of %d bytes, err %v", len(rest), len(body), err)
		}
	})
}

func FuzzJSONLookup(f *testing.F) {
	f.Add([]byte(`{"username":"alice"}`), "username")
	f.Add([]byte(`{"a":{"b":[1,{"c":"x"}]}}`), "/a/b/1/c")
	f.Add([]byte(`{"a":"x","A":"y"}`), "a")
	f.Add([]byte(`{"a":[[[[{}]]]],"a":1}`), "/a/0")
	f.Fuzz(func(t *testing.T, doc []byte, pointer string) {
		path, err := jsonptr.ParseField(pointer)
		if err != nil {
			return
		}
		name, res := jsonLookup(doc, path)
		if res != userFound && name != "" {
			t.Errorf("result %d with name %q", res, name)
		}
	})
}
