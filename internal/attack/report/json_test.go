package report

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/attack/core"
)

func TestWriteJSONMatchesSchema(t *testing.T) {
	reportSchema, _ := compiledSchemas(t)
	for _, tc := range []struct {
		name string
		r    *core.Report
	}{
		{"fixture", fixture(t)},
		{"empty report, nil lists", &core.Report{Tool: "rampart attack", Target: "http://127.0.0.1:1"}},
		{"plan run", planReport()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := render(t, func(b *bytes.Buffer) error { return WriteJSON(b, tc.r) })
			validateJSON(t, reportSchema, out)
		})
	}
}

func TestWriteJSONGolden(t *testing.T) {
	golden(t, "report.golden.json", render(t, func(b *bytes.Buffer) error { return WriteJSON(b, fixture(t)) }))
}

// TestWriteJSONRoundTrip: report.json holds the whole report; decoding it
// gives back what was written.
func TestWriteJSONRoundTrip(t *testing.T) {
	want := fixture(t)
	out := render(t, func(b *bytes.Buffer) error { return WriteJSON(b, want) })
	var got core.Report
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&got, want) {
		t.Errorf("round trip changed the report:\ngot  %+v\nwant %+v", got, *want)
	}
}

func TestWriteJSONEmptyListsAreArrays(t *testing.T) {
	r := &core.Report{Findings: []core.Finding{{ID: "RA-001", Severity: core.SeverityLow}},
		Plan: []core.PlannedCheck{{ID: "authz.bola"}}}
	out := render(t, func(b *bytes.Buffer) error { return WriteJSON(b, r) })
	var doc map[string]any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"checks", "operations", "findings", "coverage"} {
		if _, ok := doc[key].([]any); !ok {
			t.Errorf("%s = %v, want an array", key, doc[key])
		}
	}
	if ev := doc["findings"].([]any)[0].(map[string]any)["evidence"]; ev == nil {
		t.Errorf("evidence written as null, want []")
	}
	if rq := doc["plan"].([]any)[0].(map[string]any)["requests"]; rq == nil {
		t.Errorf("plan requests written as null, want []")
	}
	if r.Checks != nil || r.Findings[0].Evidence != nil || r.Plan[0].Requests != nil {
		t.Errorf("WriteJSON modified the caller's report")
	}
}

// TestSchemaDescribesEveryField keeps docs/attack-report-schema.json in
// step with core: every struct reachable from core.Report has a $defs
// entry of the same name whose properties are exactly its JSON fields, and
// whose required list is exactly the fields always written (no omitempty).
func TestSchemaDescribesEveryField(t *testing.T) {
	defs := schemaDefs(t)
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(ty reflect.Type) {
		for ty.Kind() == reflect.Pointer || ty.Kind() == reflect.Slice || ty.Kind() == reflect.Map {
			ty = ty.Elem()
		}
		if ty.Kind() != reflect.Struct || ty == reflect.TypeOf(time.Time{}) || seen[ty] {
			return
		}
		seen[ty] = true
		def, ok := defs[ty.Name()].(map[string]any)
		if !ok {
			t.Errorf("schema has no $defs/%s for core.%s", ty.Name(), ty.Name())
			return
		}
		if def["additionalProperties"] != false {
			t.Errorf("$defs/%s allows additional properties; the report has none", ty.Name())
		}
		props, _ := def["properties"].(map[string]any)
		var fields, required []string
		for i := range ty.NumField() {
			f := ty.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			fields = append(fields, name)
			if !strings.Contains(opts, "omitempty") {
				required = append(required, name)
			}
			if _, ok := props[name]; !ok {
				t.Errorf("$defs/%s lacks property %q (core.%s.%s)", ty.Name(), name, ty.Name(), f.Name)
			}
			walk(f.Type)
		}
		for name := range props {
			if !slices.Contains(fields, name) {
				t.Errorf("$defs/%s describes %q, which core.%s does not have", ty.Name(), name, ty.Name())
			}
		}
		var schemaRequired []string
		for _, r := range def["required"].([]any) {
			schemaRequired = append(schemaRequired, r.(string))
		}
		slices.Sort(required)
		slices.Sort(schemaRequired)
		if !slices.Equal(required, schemaRequired) {
			t.Errorf("$defs/%s required = %v, want the fields without omitempty: %v", ty.Name(), schemaRequired, required)
		}
	}
	walk(reflect.TypeOf(core.Report{}))
	if len(seen) < 10 {
		t.Fatalf("walked only %d types; the walk is broken", len(seen))
	}
}

// TestSchemaEnumsMatchCore: the schema's closed lists are core's.
func TestSchemaEnumsMatchCore(t *testing.T) {
	defs := schemaDefs(t)
	var severities []string
	for s := core.SeverityInfo; s <= core.SeverityCritical; s++ {
		severities = append(severities, s.String())
	}
	var stages []string
	for _, s := range core.Stages {
		stages = append(stages, string(s))
	}
	checkRun := defs["CheckRun"].(map[string]any)["properties"].(map[string]any)["status"].(map[string]any)
	for _, tc := range []struct {
		name string
		enum any
		want []string
	}{
		{"Severity", defs["Severity"].(map[string]any)["enum"], severities},
		{"Stage", defs["Stage"].(map[string]any)["enum"], stages},
		{"Confidence", defs["Confidence"].(map[string]any)["enum"], []string{string(core.Confirmed), string(core.Firm), string(core.Tentative)}},
		{"CoverageStatus", defs["CoverageStatus"].(map[string]any)["enum"], []string{string(core.Tested), string(core.Skipped), string(core.NotReached), string(core.Invalid)}},
		{"CheckRun.status", checkRun["enum"], []string{core.CheckRan, core.CheckSkipped, core.CheckFailed, core.CheckNotReached}},
	} {
		var got []string
		for _, v := range tc.enum.([]any) {
			got = append(got, v.(string))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s enum = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func schemaDefs(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(reportSchemaPath)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Defs map[string]any `json:"$defs"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Defs
}

func TestRenderersRefuseBadReports(t *testing.T) {
	bad := fixture(t)
	bad.Findings[1].Severity = core.Severity(7)
	writers := map[string]func(*core.Report) error{
		"json":    func(r *core.Report) error { return WriteJSON(&bytes.Buffer{}, r) },
		"sarif":   func(r *core.Report) error { return WriteSARIF(&bytes.Buffer{}, r) },
		"html":    func(r *core.Report) error { return WriteHTML(&bytes.Buffer{}, r) },
		"summary": func(r *core.Report) error { return Summary(&bytes.Buffer{}, r, false) },
		"all":     func(r *core.Report) error { return WriteAll(t.TempDir(), r) },
	}
	for name, write := range writers {
		if err := write(nil); err == nil || !strings.Contains(err.Error(), "no report") {
			t.Errorf("%s(nil) = %v, want a no-report error", name, err)
		}
		if err := write(bad); err == nil || !strings.Contains(err.Error(), "severity(7)") {
			t.Errorf("%s with severity 7 = %v, want an unknown-severity error", name, err)
		}
	}
}

func planReport() *core.Report {
	return &core.Report{
		Tool: "rampart attack", Version: "1.4.0", Target: "http://127.0.0.1:8080", Complete: true,
		Spec: "file api.yaml",
		Plan: []core.PlannedCheck{{
			ID: "authz.bola", Stage: core.StageAuthz, Title: "Broken object level authorization",
			Requests: []core.PlannedRequest{
				{Endpoint: "GET /api/items/{id}", Class: "read as user2", Count: 4},
				{Endpoint: "DELETE /api/items/{id}", Class: "delete as user2", Count: 2, Unsafe: true},
			},
		}},
	}
}
