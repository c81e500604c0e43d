package sampleapi

import (
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// openAPIDoc is the part of an OpenAPI document the tests look at.
type openAPIDoc struct {
	OpenAPI    string                    `yaml:"openapi"`
	Paths      map[string]map[string]any `yaml:"paths"`
	Components struct {
		Schemas map[string]struct {
			AdditionalProperties *bool `yaml:"additionalProperties"`
			Properties           map[string]struct {
				ReadOnly bool `yaml:"readOnly"`
			} `yaml:"properties"`
		} `yaml:"schemas"`
	} `yaml:"components"`
}

func parseSpec(t *testing.T) openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	if err := yaml.Unmarshal(Spec(), &doc); err != nil {
		t.Fatalf("parsing openapi.yaml: %v", err)
	}
	return doc
}

// TestSpecMatchesRoutes keeps the spec and the router in step: every
// documented route is in the spec, and the spec has nothing else.
func TestSpecMatchesRoutes(t *testing.T) {
	doc := parseSpec(t)
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", doc.OpenAPI)
	}
	api, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()

	routed := map[string]bool{}
	for _, rt := range api.routes() {
		key := strings.ToLower(rt.method) + " " + rt.path
		_, inSpec := doc.Paths[rt.path][strings.ToLower(rt.method)]
		switch {
		case rt.undocumented && inSpec:
			t.Errorf("%s is in the spec but must stay undocumented", key)
		case !rt.undocumented && !inSpec:
			t.Errorf("%s is routed but missing from the spec", key)
		}
		routed[key] = true
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			if !routed[method+" "+path] {
				t.Errorf("spec documents %s %s, which is not routed", method, path)
			}
		}
	}
	if _, ok := doc.Paths["/api/debug/vars"]; ok {
		t.Error("the debug endpoint is documented")
	}
}

func TestSpecLocksDownWritableFields(t *testing.T) {
	doc := parseSpec(t)
	schemas := doc.Components.Schemas

	upd := schemas["UserUpdate"]
	if upd.AdditionalProperties == nil || *upd.AdditionalProperties {
		t.Error("UserUpdate must set additionalProperties: false")
	}
	for name := range upd.Properties {
		if name != "name" && name != "email" {
			t.Errorf("UserUpdate lets clients write %q", name)
		}
	}
	for _, c := range []struct{ schema, prop string }{
		{"Item", "id"}, {"Item", "owner_id"}, {"User", "id"}, {"User", "role"},
		{"User", "is_admin"}, {"Order", "id"}, {"SearchResult", "id"},
	} {
		if !schemas[c.schema].Properties[c.prop].ReadOnly {
			t.Errorf("%s.%s must be readOnly", c.schema, c.prop)
		}
	}
	for _, secret := range []string{"card_cvv", "api_secret", "card_expiry", "password_hash"} {
		for name, s := range schemas {
			if _, ok := s.Properties[secret]; ok {
				t.Errorf("schema %s documents %s", name, secret)
			}
		}
	}
}

func TestSpecReturnsACopy(t *testing.T) {
	a := Spec()
	a[0] = 'X'
	if Spec()[0] == 'X' {
		t.Error("Spec exposes the embedded bytes")
	}
}

// TestSpecConstrainsNewInputs: the spec alone is enough for a schema guard to
// stop the traversal, SSRF and XSS flaws, because the legitimate inputs are
// described tightly.
func TestSpecConstrainsNewInputs(t *testing.T) {
	var doc struct {
		Paths map[string]struct {
			Get struct {
				Parameters []struct {
					Name   string         `yaml:"name"`
					Schema map[string]any `yaml:"schema"`
				} `yaml:"parameters"`
			} `yaml:"get"`
		} `yaml:"paths"`
		Components struct {
			Schemas map[string]struct {
				Properties map[string]map[string]any `yaml:"properties"`
			} `yaml:"schemas"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(Spec(), &doc); err != nil {
		t.Fatal(err)
	}
	param := func(path, name string) map[string]any {
		for _, p := range doc.Paths[path].Get.Parameters {
			if p.Name == name {
				return p.Schema
			}
		}
		t.Fatalf("%s has no parameter %s", path, name)
		return nil
	}
	pattern := func(s map[string]any) *regexp.Regexp {
		re, err := regexp.Compile(s["pattern"].(string))
		if err != nil {
			t.Fatal(err)
		}
		return re
	}

	files := pattern(param("/api/files", "name"))
	for name, want := range map[string]bool{"welcome.txt": true, "terms.txt": true,
		"../private/secret.txt": false, "..%2fsecret.txt": false, "a/b.txt": false, "x.txt.exe": false} {
		if got := files.MatchString(name); got != want {
			t.Errorf("files name pattern on %q = %v, want %v", name, got, want)
		}
	}
	for name := range sampleDocuments {
		if !files.MatchString(name) || !documentName.MatchString(name) {
			t.Errorf("document %q does not match the name pattern", name)
		}
	}
	if files.String() != documentName.String() {
		t.Errorf("spec pattern %q differs from the hardened handler's %q", files, documentName)
	}

	preview := param("/api/preview", "text")
	if preview["maxLength"] != maxPreviewText {
		t.Errorf("preview text maxLength = %v, want %d", preview["maxLength"], maxPreviewText)
	}
	if pattern(preview).MatchString("<script>") {
		t.Error("preview text pattern admits markup")
	}

	url := doc.Components.Schemas["WebhookTest"].Properties["url"]
	if url["format"] != "uri" || url["maxLength"] != maxWebhookURL {
		t.Errorf("WebhookTest.url = %v, want format uri and maxLength %d", url, maxWebhookURL)
	}
	if pattern(url).MatchString("http://127.0.0.1/") {
		t.Error("WebhookTest.url pattern admits plain http")
	}
}
