package openapi

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func mustLoad(tb testing.TB, path string) *Spec {
	tb.Helper()
	s, err := Load(path)
	if err != nil {
		tb.Fatalf("Load(%s): %v", path, err)
	}
	return s
}

// TestLoad loads 3.0 and 3.1 documents, YAML and JSON, one of them spread
// over files by relative $refs, and finds their operations by id and by
// "METHOD /path".
func TestLoad(t *testing.T) {
	tests := []struct {
		path     string
		version  string
		ops      int
		lookups  map[string]string // key → Key() of the operation found
		warnings int
	}{
		{path: shopSpec, version: "3.0.3", ops: 9, warnings: 1, lookups: map[string]string{
			"createOrder":            "POST /orders",
			"get /orders/{orderId}":  "GET /orders/{orderId}",
			"PATCH /users/me":        "PATCH /users/me",
			"PUT /files/{name}.json": "PUT /files/{name}.json",
		}},
		{path: sampleSpec, version: "3.1.0", ops: 17, lookups: map[string]string{
			"updateMe": "PATCH /api/users/me",
			"getOrder": "GET /api/orders/{id}",
		}},
		{path: features31, version: "3.1.0", ops: 1, lookups: map[string]string{"createThing": "POST /things"}},
		{path: "testdata/minimal.json", version: "3.0.3", ops: 1, lookups: map[string]string{"ping": "GET /ping"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			s := mustLoad(t, tt.path)
			if s.Version() != tt.version {
				t.Errorf("version = %q, want %q", s.Version(), tt.version)
			}
			if s.File() != tt.path {
				t.Errorf("file = %q, want %q", s.File(), tt.path)
			}
			if len(s.Operations()) < tt.ops {
				t.Errorf("%d operations, want at least %d", len(s.Operations()), tt.ops)
			}
			if len(s.Warnings()) != tt.warnings {
				t.Errorf("warnings = %q, want %d", s.Warnings(), tt.warnings)
			}
			for key, want := range tt.lookups {
				op := s.Operation(key)
				if op == nil {
					t.Errorf("Operation(%q) = nil", key)
					continue
				}
				if op.Key() != want {
					t.Errorf("Operation(%q).Key() = %q, want %q", key, op.Key(), want)
				}
			}
			if s.Operation("noSuchOperation") != nil || s.Operation("GET /no/such/path") != nil {
				t.Error("an unknown key found an operation")
			}
		})
	}
}

// TestLoadErrors: a document that cannot be used is refused with an
// error that names the file and, where the library knows it, the line.
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{file: "bad/syntax.yaml", want: []string{"bad/syntax.yaml", "line 11"}},
		{file: "bad/missing-ref.yaml", want: []string{"bad/missing-ref.yaml", "nowhere.yaml", "no such file"}},
		{file: "bad/remote-ref.yaml", want: []string{"bad/remote-ref.yaml", "only local files may be referenced"}},
		{file: "bad/swagger.yaml", want: []string{"bad/swagger.yaml", "Swagger 2.0 is not supported"}},
		{file: "bad/version32.yaml", want: []string{"bad/version32.yaml", `"3.2.0" is not supported`}},
		{file: "bad/no-info.yaml", want: []string{"bad/no-info.yaml:1:", "info"}},
		{file: "bad/same-template.yaml", want: []string{"bad/same-template.yaml:5:", "conflicting paths"}},
		{file: "bad/lookahead.yaml", want: []string{"bad/lookahead.yaml:", "regexp"}},
		{file: "no-such-file.yaml", want: []string{"no-such-file.yaml", "no such file"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, err := Load(filepath.Join("testdata", tt.file))
			if err == nil {
				t.Fatalf("Load succeeded with %d operations", len(s.Operations()))
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestLoadRefusesSpecialFiles: a $ref to something other than a regular
// file (a device, a directory) fails instead of blocking or reading
// without end.
func TestLoadRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	doc := `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /x:
    post:
      requestBody:
        content:
          application/json:
            schema:
              $ref: "TARGET#/X"
      responses:
        "200": {description: ok}
`
	for _, target := range []string{"/dev/zero", dir} {
		path := filepath.Join(dir, "spec.yaml")
		if err := os.WriteFile(path, []byte(strings.Replace(doc, "TARGET", target, 1)), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("$ref to %s: err = %v, want a refusal", target, err)
		}
	}
}

// TestOperationsSorted: Operations is in a stable order.
func TestOperationsSorted(t *testing.T) {
	s := mustLoad(t, shopSpec)
	keys := make([]string, 0, len(s.Operations()))
	for _, op := range s.Operations() {
		keys = append(keys, op.Path+" "+op.Method)
	}
	if !slices.IsSorted(keys) {
		t.Errorf("operations not sorted: %q", keys)
	}
}
