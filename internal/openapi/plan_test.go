package openapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/inspect"
)

// TestScanPlanSkip covers the scan plan rule input by input (see
// testdata/plan31.yaml for the shapes).
func TestScanPlanSkip(t *testing.T) {
	plan := mustLoad(t, "testdata/plan31.yaml").Operation("postWidget").Plan()
	tests := []struct {
		src  inspect.Source
		name string
		want bool
	}{
		{inspect.Path, "1", true},  // literal "widgets"
		{inspect.Path, "2", true},  // uuid
		{inspect.Path, "3", false}, // past the template
		{inspect.Path, "0", false},
		{inspect.Path, "x", false},
		{inspect.Query, "tag", false}, // free text, even with maxLength
		{inspect.Query, "code", true},
		{inspect.Query, "n", true},
		{inspect.Query, "mode", true},
		{inspect.Query, "when", true},
		{inspect.Query, "ids", true},    // items are integers
		{inspect.Query, "loose", false}, // string or integer: a string passes
		{inspect.Query, "undeclared", false},
		{inspect.Header, "X-Key", true},
		{inspect.Header, "x-key", true},
		{inspect.Cookie, "sid", false},
		{inspect.JSON, "/name", false},
		{inspect.JSON, "/qty", true},
		{inspect.JSON, "/kind", true},
		{inspect.JSON, "/color", true},
		{inspect.JSON, "/tags/0", false},
		{inspect.JSON, "/codes/3", true},
		{inspect.JSON, "/codes/03", false}, // not an index
		{inspect.JSON, "/codes/-", false},
		{inspect.JSON, "/pair/0", true},
		{inspect.JSON, "/pair/1", false},
		{inspect.JSON, "/pair/2", false},
		{inspect.JSON, "/meta/x", false}, // additionalProperties values are never skipped
		{inspect.JSON, "/owner/id", true},
		{inspect.JSON, "/owner/handle", true},
		{inspect.JSON, "/owner/bio", false},
		{inspect.JSON, "/owner/region", true}, // constrained by the allOf branch
		{inspect.JSON, "/choice/a", true},     // integer in every branch
		{inspect.JSON, "/choice/b", false},    // declared by one branch only
		{inspect.JSON, "/tree/value", true},
		{inspect.JSON, "/tree/children/0/value", true},
		{inspect.JSON, "/tree/children/0/children/1/label", false},
		{inspect.JSON, "/open/x", true},
		{inspect.JSON, "/open/y", false},
		{inspect.JSON, "/nope", false},
		{inspect.JSON, "", false},
		{inspect.JSON, "qty", false},
		{inspect.JSON, "/q~2ty", false},
		{inspect.Form, "qty", false}, // no form body
		{inspect.XML, "/qty", false},
		{inspect.Multipart, "qty", false},
	}
	for _, tt := range tests {
		if got := plan.Skip(tt.src, tt.name); got != tt.want {
			t.Errorf("Skip(%s, %q) = %v, want %v", tt.src, tt.name, got, tt.want)
		}
	}
}

// TestScanPlanSkipKey: keys are skipped only where the object is closed
// and declares them.
func TestScanPlanSkipKey(t *testing.T) {
	plan := mustLoad(t, "testdata/plan31.yaml").Operation("postWidget").Plan()
	tests := []struct {
		src  inspect.Source
		name string
		want bool
	}{
		{inspect.JSON, "/name", true},
		{inspect.JSON, "/undeclared", false},
		{inspect.JSON, "/meta/x", false},
		{inspect.JSON, "/owner/id", true},
		{inspect.JSON, "/open/x", false}, // not closed
		{inspect.JSON, "/choice/a", true},
		{inspect.JSON, "/choice/b", false},
		{inspect.JSON, "/tree/value", false},
		{inspect.JSON, "name", false},
		{inspect.JSON, "/na~2me", false},
		{inspect.Query, "tag", false}, // undeclared parameters are not refused
		{inspect.Header, "X-Key", false},
	}
	for _, tt := range tests {
		if got := plan.SkipKey(tt.src, tt.name); got != tt.want {
			t.Errorf("SkipKey(%s, %q) = %v, want %v", tt.src, tt.name, got, tt.want)
		}
	}
}

// TestScanPlanForms plans a form body field by field.
func TestScanPlanForms(t *testing.T) {
	plan := mustLoad(t, shopSpec).Operation("sendFeedback").Plan()
	for name, want := range map[string]bool{"rating": true, "topics": true, "comment": false, "admin": false} {
		if got := plan.Skip(inspect.Form, name); got != want {
			t.Errorf("Skip(form, %q) = %v, want %v", name, got, want)
		}
	}
	if !plan.SkipKey(inspect.Form, "rating") || plan.SkipKey(inspect.Form, "admin") {
		t.Error("form keys: want declared fields of a closed form skipped, others not")
	}
}

// TestScanPlanAmbiguousBody: with two entries a JSON body could match,
// the body is not planned.
func TestScanPlanAmbiguousBody(t *testing.T) {
	c := content{{mediaRange: "application/json"}, {mediaRange: "*/*"}}
	if onlyEntry(c, jsonCapable) != nil {
		t.Error("two JSON-capable entries: want no plan")
	}
	if e := onlyEntry(content{{mediaRange: "application/json"}, {mediaRange: "text/plain"}}, jsonCapable); e == nil || e.mediaRange != "application/json" {
		t.Errorf("one JSON-capable entry: got %v", e)
	}
}

// TestScanPlanPathOffset: with a prefix the path segments shift, and the
// prefix's own segments are fixed text.
func TestScanPlanPathOffset(t *testing.T) {
	plan := mustLoad(t, shopSpec).Operation("getOrder").Plan()
	if !plan.Skip(inspect.Path, "2") || plan.Skip(inspect.Path, "3") {
		t.Fatal("without offset: want segment 2 (uuid) skipped, 3 not")
	}
	shifted := plan.WithPathOffset(2) // "/api/v1/orders/{orderId}"
	for name, want := range map[string]bool{"1": true, "2": true, "3": true, "4": true, "5": false} {
		if got := shifted.Skip(inspect.Path, name); got != want {
			t.Errorf("offset 2: Skip(path, %s) = %v, want %v", name, got, want)
		}
	}
	if plan.Skip(inspect.Path, "3") {
		t.Error("WithPathOffset modified the original plan")
	}
}

// TestNilPlanSkipsNothing: a nil plan (no validation, monitor mode) is
// safe to use.
func TestNilPlanSkipsNothing(t *testing.T) {
	var p *ScanPlan
	if p.Skip(inspect.Query, "n") || p.SkipKey(inspect.JSON, "/a") || p.WithPathOffset(1) != nil {
		t.Error("nil plan skipped something")
	}
}

// TestScanPlanMatchesValidation: whatever the plan lets the detector skip
// in a request that passed validation is made of safe characters only.
func TestScanPlanMatchesValidation(t *testing.T) {
	s := mustLoad(t, "testdata/plan31.yaml")
	body := `{"name":"x' OR 1=1","qty":3,"kind":"widget","color":"red","tags":["<script>"],"codes":["AB12"],` +
		`"pair":[1,"../../etc"],"meta":{"k":"abc"},"owner":{"id":"` + testTenantID + `","handle":"ada","bio":"; rm -rf /","region":"eu"},` +
		`"choice":{"a":1,"b":"x"},"tree":{"value":1,"children":[{"value":2,"label":"$(id)"}]},"open":{"x":1}}`
	r := httptest.NewRequest("POST", "/widgets/"+testTenantID+"?tag=%27--&code=ABC&n=7&mode=fast&when=2024-01-02T03:04:05Z&ids=1&ids=2&loose=1",
		strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Key", "abc-DEF_123")
	r.AddCookie(&http.Cookie{Name: "sid", Value: "x"})
	op, params, _ := s.Find(r.Method, r.URL.EscapedPath())
	if err := op.ValidateRequest(r, params, []byte(body)); err != nil {
		t.Fatalf("request refused: %v", err)
	}
	plan := op.Plan()
	skipped := 0
	err := inspect.Extract(r, []byte(body), inspect.Options{Headers: []string{"X-Key"}, Cookies: true}, func(in *inspect.Input) error {
		skip := plan.Skip(in.Source, in.Name)
		if in.IsKey {
			skip = plan.SkipKey(in.Source, in.Name)
		}
		if !skip {
			return nil
		}
		skipped++
		for _, c := range in.Value {
			if !safeRune(c) && c != ':' && c != '.' && c != '+' {
				t.Errorf("%s skipped but holds %q", in.Location(), in.Value)
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if skipped < 8 {
		t.Errorf("only %d inputs skipped", skipped)
	}
}
