package spec

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rampartsec/rampart/internal/attack/core"
	"github.com/rampartsec/rampart/internal/sampleapi"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func find(t *testing.T, ops []core.Operation, key string) core.Operation {
	t.Helper()
	for _, o := range ops {
		if o.Key() == key {
			return o
		}
	}
	t.Fatalf("operation %s not found", key)
	return core.Operation{}
}

func TestLoadSampleAPISpec(t *testing.T) {
	file := writeFile(t, t.TempDir(), "openapi.yaml", string(sampleapi.Spec()))
	ops, err := LoadFile(file, Options{})
	if err != nil {
		t.Fatalf("LoadFile: %v", err)
	}
	if len(ops) < 10 {
		t.Fatalf("%d operations, want the sample API's", len(ops))
	}
	getItem := find(t, ops, "GET /api/items/{id}")
	if !getItem.Secured || getItem.AdminOnly || getItem.Source != "spec" || getItem.OperationID != "getItem" {
		t.Errorf("GET /api/items/{id} = %+v", getItem)
	}
	if len(getItem.Params) != 1 || getItem.Params[0].Name != "id" || getItem.Params[0].In != "path" ||
		getItem.Params[0].Type != "integer" || getItem.Params[0].Example != int64(1) || !getItem.Params[0].Required {
		t.Errorf("id parameter = %+v, want a required integer path parameter with example 1", getItem.Params)
	}
	if h := find(t, ops, "GET /api/healthz"); h.Secured {
		t.Error("healthz (security: []) is marked secured")
	}
	if a := find(t, ops, "GET /api/admin/users"); !a.AdminOnly {
		t.Error("GET /api/admin/users is not admin-only")
	}
	patch := find(t, ops, "PATCH /api/users/me")
	if patch.Body == nil || patch.Body.MediaType != "application/json" {
		t.Fatalf("PATCH /api/users/me body = %+v", patch.Body)
	}
	if patch.Body.Example["email"] != "rampart@example.com" {
		t.Errorf("body example %v: want a generated email", patch.Body.Example)
	}
	search := find(t, ops, "GET /api/search")
	if len(search.Params) != 1 || search.Params[0].Example != "rampart" {
		t.Errorf("search params %+v", search.Params)
	}
	// Sorted by path, then GET before POST.
	if i, j := slices.IndexFunc(ops, func(o core.Operation) bool { return o.Key() == "GET /api/items" }),
		slices.IndexFunc(ops, func(o core.Operation) bool { return o.Key() == "POST /api/items" }); i < 0 || j != i+1 {
		t.Errorf("GET /api/items at %d, POST at %d", i, j)
	}
}

const refMain = `openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: "https://api.example.com/v1"}]
security: [{key: []}]
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Api-Key}
paths:
  /accounts/{accountId}:
    parameters:
      - {name: accountId, in: path, required: true, schema: {type: string, format: uuid}}
    patch:
      tags: [accounts]
      requestBody:
        content:
          application/json:
            schema: {$ref: "schemas/account.yaml#/Account"}
      responses: {"200": {description: ok}}
  /internal/metrics:
    get:
      security: [{}, {key: []}]
      responses: {"200": {description: ok}}
`

const refAccount = `Account:
  type: object
  required: [name]
  properties:
    id: {type: integer, readOnly: true}
    role: {type: string, enum: [member, owner], readOnly: true}
    name: {type: string, minLength: 10, maxLength: 12}
    plan: {type: string, enum: [free, pro], default: pro}
    tags: {type: array, items: {type: string}}
    parent: {$ref: "#/Account"}
`

func TestLoadFileRelativeRefs(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "schemas"), 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "schemas"), "account.yaml", refAccount)
	file := writeFile(t, dir, "api.yaml", refMain)
	ops, err := LoadFile(file, Options{})
	if err != nil {
		t.Fatalf("LoadFile: %v", err)
	}
	patch := find(t, ops, "PATCH /v1/accounts/{accountId}")
	if !patch.Secured {
		t.Error("global security not applied")
	}
	if got := patch.Params[0].Example; got != "00000000-0000-4000-8000-000000000001" {
		t.Errorf("uuid example = %v", got)
	}
	b := patch.Body
	if b == nil {
		t.Fatal("no body")
	}
	if !slices.Equal(b.ReadOnly, []string{"id", "role"}) {
		t.Errorf("read-only = %v, want [id role]", b.ReadOnly)
	}
	if _, has := b.Example["role"]; has {
		t.Errorf("example %v carries a read-only property", b.Example)
	}
	if b.Example["plan"] != "pro" || b.Example["name"] != "rampartaaa" {
		t.Errorf("example %v: want plan=pro (default) and name padded to minLength 10", b.Example)
	}
	if len(b.Fields) != 6 {
		t.Errorf("fields %+v", b.Fields)
	}
	m := find(t, ops, "GET /v1/internal/metrics")
	if m.Secured || !m.AdminOnly {
		t.Errorf("internal metrics = %+v: want optional security and admin-only by path", m)
	}
	// The target URL already carries the server path.
	ops, err = LoadFile(file, Options{TargetPath: "/v1/", AdminEndpoints: []string{"PATCH /accounts/*"}})
	if err != nil {
		t.Fatal(err)
	}
	if p := find(t, ops, "PATCH /accounts/{accountId}"); !p.AdminOnly {
		t.Error("admin_endpoints pattern not applied")
	}
}

func TestRefsOutsideAreRefused(t *testing.T) {
	dir := t.TempDir()
	secret := writeFile(t, dir, "secret.yaml", "Secret: {type: string, example: top-secret}\n")
	doc := strings.Replace(refMain, "schemas/account.yaml#/Account", filepath.ToSlash(secret)+"#/Secret", 1)
	// From the target: no external document at all.
	if _, err := Parse([]byte(doc), "http://target/openapi.yaml", Options{}); err == nil {
		t.Error("a served document read a local file")
	}
	// From a file: local files yes, URLs no.
	byURL := strings.Replace(refMain, "schemas/account.yaml#/Account", "http://127.0.0.1:1/x.yaml#/X", 1)
	if _, err := LoadFile(writeFile(t, dir, "api.yaml", byURL), Options{}); err == nil || !strings.Contains(err.Error(), "only local files") {
		t.Errorf("$ref to a URL: err = %v", err)
	}
}

func TestSpecErrorsNameFileAndLine(t *testing.T) {
	tests := []struct {
		name, file, content string
		want                []string
		notOpenAPI          bool
	}{
		{"yaml syntax", "api.yaml", "openapi: 3.0.0\npaths:\n  /a: [\n", []string{"api.yaml:3: did not find expected node content"}, false},
		{"yaml indentation", "api.yaml", "openapi: 3.0.0\ninfo:\n  title: x\n   version: 1\n", []string{"api.yaml:4:"}, false},
		{"json syntax", "api.json", "{\n  \"openapi\": \"3.0.0\",\n  \"paths\": {,}\n}", []string{"api.json:3:"}, false},
		{"not openapi", "api.yaml", "name: value\n", []string{"api.yaml:", "not an OpenAPI"}, true},
		{"top-level list", "api.json", "[1,2]", []string{"not an OpenAPI"}, true},
		{"old version", "api.yaml", "openapi: 2.5.0\n", []string{"openapi version 2.5.0 is not supported"}, false},
		{"empty", "api.yaml", "  \n", []string{"api.yaml: empty document"}, false},
		{"bad structure", "api.yaml", "openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths: 42\n", []string{"api.yaml:"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := writeFile(t, t.TempDir(), tc.file, tc.content)
			_, err := LoadFile(file, Options{})
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a *spec.Error", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if got := errors.Is(err, ErrNotOpenAPI); got != tc.notOpenAPI {
				t.Errorf("errors.Is(ErrNotOpenAPI) = %v", got)
			}
		})
	}
	if _, err := LoadFile(filepath.Join(t.TempDir(), "missing.yaml"), Options{}); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}
}

const swagger2 = `{
  "swagger": "2.0",
  "info": {"title": "legacy", "version": "1"},
  "basePath": "/legacy",
  "securityDefinitions": {"k": {"type": "apiKey", "in": "header", "name": "X-Key"}},
  "security": [{"k": []}],
  "paths": {
    "/users/{userId}": {
      "get": {
        "parameters": [{"name": "userId", "in": "path", "required": true, "type": "integer"}],
        "responses": {"200": {"description": "ok"}}
      }
    }
  }
}`

func TestSwagger2IsConverted(t *testing.T) {
	ops, err := Parse([]byte(swagger2), "http://t/swagger.json", Options{})
	if err != nil {
		t.Fatal(err)
	}
	op := find(t, ops, "GET /legacy/users/{userId}")
	if !op.Secured || len(op.Params) != 1 || op.Params[0].Example != int64(1) {
		t.Errorf("converted operation %+v", op)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(refMain))
	f.Add([]byte(swagger2))
	f.Add([]byte(`{"openapi":"3.1.0","paths":{"/a":{"get":{"parameters":[{"name":"x","in":"query","schema":{"type":["null","integer"],"minimum":1e308}}]}}}}`))
	f.Add([]byte("openapi: 3.0.0\ncomponents:\n  schemas:\n    A: {properties: {a: {$ref: '#/components/schemas/A'}}}\npaths:\n  /x:\n    post:\n      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}}\n"))
	f.Add([]byte("a: &a [*a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ops, err := Parse(data, "fuzz", Options{})
		if err != nil {
			if ops != nil {
				t.Error("operations with an error")
			}
			return
		}
		if len(ops) > maxOperations {
			t.Errorf("%d operations", len(ops))
		}
		for _, o := range ops {
			if !strings.HasPrefix(o.Path, "/") {
				t.Errorf("path %q", o.Path)
			}
			if o.Body != nil && len(o.Body.Fields) > maxProperties {
				t.Errorf("%d fields", len(o.Body.Fields))
			}
		}
	})
}
