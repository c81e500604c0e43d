package injection

import (
	"net/http"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/attack/core"
)

func resp(status int, ct, body string) *core.Response {
	return &core.Response{Status: status, Header: http.Header{"Content-Type": {ct}}, Body: []byte(body)}
}

func TestSameAnswer(t *testing.T) {
	for _, c := range []struct {
		name string
		a, b *core.Response
		echo []string
		want bool
	}{
		{"same", resp(200, "application/json", `{"r":[1,2]}`), resp(200, "application/json", `{"r":[1,2]}`), nil, true},
		{"other status", resp(200, "", `x`), resp(500, "", `x`), nil, false},
		{"echo of the payload removed", resp(200, "", `you searched for abcd' AND 'x'='x`), resp(200, "", `you searched for abcd`),
			[]string{`abcd' AND 'x'='x`, "abcd"}, true},
		{"other rows", resp(200, "application/json", `{"r":[{"n":"dune"}]}`), resp(200, "application/json", `{"r":[]}`), nil, false},
		{"no answer", &core.Response{}, resp(200, "", ""), nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := sameAnswer(c.a, c.b, c.echo...); got != c.want {
				t.Errorf("sameAnswer = %v, want %v", got, c.want)
			}
		})
	}
}

func TestSize(t *testing.T) {
	for body, want := range map[string]int{
		`{"items":[1,2,3]}`:            3,
		`[{"a":[1]},{"a":[1,2]}]`:      5,
		`{}`:                           0,
		strings.Repeat("x", 640):       10,
		`{"deep":[[[[1]]]],"n":[1,2]}`: 6,
	} {
		if got := size(resp(200, "", body)); got != want {
			t.Errorf("size(%.40s) = %d, want %d", body, got, want)
		}
	}
}

// FuzzCompare: comparing and sizing any answers never panics, sameAnswer
// is symmetric and reflexive for answered responses.
func FuzzCompare(f *testing.F) {
	for _, s := range [][2]string{
		{`{"a":[1,2]}`, `{"a":[]}`}, {`[[[[[[[[[[1]]]]]]]]]]`, `null`}, {`<html>x</html>`, ``}, {`{"a":`, `1e999`},
	} {
		f.Add(s[0], s[1], "echo")
	}
	f.Fuzz(func(t *testing.T, a, b, echo string) {
		ra, rb := resp(200, "text/html", a), resp(200, "application/json", b)
		if sameAnswer(ra, rb, echo) != sameAnswer(rb, ra, echo) {
			t.Fatal("sameAnswer is not symmetric")
		}
		if !sameAnswer(ra, ra, echo) {
			t.Fatal("an answer differs from itself")
		}
		if n := size(ra); n < 0 || n > len(a)+1 {
			t.Fatalf("size %d for %d bytes", n, len(a))
		}
		_ = isHTML(ra)
	})
}

// FuzzRequest: any value (and any query key) goes into any kind of input
// without a panic, and the path stays a path.
func FuzzRequest(f *testing.F) {
	f.Add("../etc/passwd", "q[$ne]")
	f.Add("{{7*191}}", "")
	f.Add("a/b?c#d %zz\x00", "x&y=z")
	ops := []core.Operation{
		{Method: "GET", Path: "/a/{id}/b", Params: []core.Param{{Name: "id", In: "path"}, {Name: "q", In: "query", Required: true}}},
		{Method: "POST", Path: "/p", Body: &core.Body{MediaType: "application/json", Fields: []core.Param{{Name: "u", In: "body"}}}},
	}
	f.Fuzz(func(t *testing.T, value, rawKey string) {
		for _, op := range ops {
			for _, p := range points(op) {
				path, _, err := p.request(variant{value: value, rawKey: rawKey})
				if err != nil {
					t.Fatalf("request: %v", err)
				}
				if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, "# \x00") {
					t.Fatalf("path %q", path)
				}
			}
		}
	})
}
