package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/rampartsec/rampart/internal/attack/core"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const (
	reportSchemaPath = "../../../docs/attack-report-schema.json"
	sarifSchemaPath  = "testdata/sarif-schema-2.1.0.json"
)

// fixture loads testdata/fixture.json, a scan with findings of several
// severities, failed and truncated evidence, an incomplete run and hostile
// markup in a response body. Unknown fields fail the load, so the fixture
// cannot silently fall behind core's types.
func fixture(t testing.TB) *core.Report {
	t.Helper()
	b, err := os.ReadFile("testdata/fixture.json")
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var r core.Report
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("decoding fixture: %v", err)
	}
	return &r
}

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the rendering (run go test -update and review the diff)\n--- got ---\n%s", path, got)
	}
}

var schemas struct {
	once          sync.Once
	report, sarif *jsonschema.Schema
	err           error
}

// compiledSchemas compiles the report.json schema and the official SARIF
// 2.1.0 schema once, with format assertions on ("uri-reference",
// "date-time"), as GitHub's upload validation does.
func compiledSchemas(t testing.TB) (report, sarif *jsonschema.Schema) {
	t.Helper()
	schemas.once.Do(func() {
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		if schemas.report, schemas.err = c.Compile(reportSchemaPath); schemas.err != nil {
			return
		}
		schemas.sarif, schemas.err = c.Compile(sarifSchemaPath)
	})
	if schemas.err != nil {
		t.Fatalf("compiling schemas: %v", schemas.err)
	}
	return schemas.report, schemas.sarif
}

// validateJSON checks that b is one JSON document valid against sch.
func validateJSON(t testing.TB, sch *jsonschema.Schema, b []byte) {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Fatalf("invalid against the schema: %v", err)
	}
}

func render(t testing.TB, write func(*bytes.Buffer) error) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
