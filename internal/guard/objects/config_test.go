package objects_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rampartsec/rampart/internal/guard/objects"
	"github.com/rampartsec/rampart/internal/store"
)

func TestNewValidates(t *testing.T) {
	st, err := store.NewMemory(store.MemoryConfig{})
	if err != nil {
		t.Fatal(err)
	}
	valid := func() objects.Rule { return sampleRules()[0] }
	with := func(f func(r *objects.Rule)) objects.Config {
		r := valid()
		f(&r)
		return objects.Config{Rules: []objects.Rule{r}}
	}
	tests := []struct {
		name    string
		cfg     objects.Config
		marks   objects.Marks
		wantErr string
	}{
		{"valid", objects.Config{Rules: sampleRules()}, st, ""},
		{"no marks", objects.Config{Rules: sampleRules()}, nil, "Marks is required"},
		{"no rules", objects.Config{}, st, "no rules"},
		{"no api", with(func(r *objects.Rule) { r.Route.API = "" }), st, "no API name"},
		{"no param", with(func(r *objects.Rule) { r.Param = "" }), st, "param is required"},
		{"no template", with(func(r *objects.Rule) { r.PathTemplate = "" }), st, "path_template is required"},
		{"param not in template", with(func(r *objects.Rule) { r.Param = "key" }), st, "no parameter {key}"},
		{"bad namespace", with(func(r *objects.Rule) { r.Namespace = "it:em" }), st, "namespace"},
		{"bad method", with(func(r *objects.Rule) { r.Methods = []string{"GE T"} }), st, "invalid method"},
		{"bad unknown", with(func(r *objects.Rule) { r.Unknown = "allow" }), st, "unknown"},
		{"short ttl", with(func(r *objects.Rule) { r.TTL = time.Millisecond }), st, "ttl"},
		{"negative ttl", with(func(r *objects.Rule) { r.TTL = -time.Hour }), st, "ttl"},
		{"empty override", with(func(r *objects.Rule) { r.OverrideRoles = []string{""} }), st, "empty override role"},
		{"no learn", with(func(r *objects.Rule) { r.Learn = nil }), st, "no learn rules"},
		{"learn without pointer", with(func(r *objects.Rule) { r.Learn = []objects.LearnRule{{Route: routeItems}} }), st, "id_pointer or item_id_pointer"},
		{"learn list pointer alone", with(func(r *objects.Rule) {
			r.Learn = []objects.LearnRule{{Route: routeItems, IDPointer: "/id", ListPointer: "/items"}}
		}), st, "needs item_id_pointer"},
		{"learn bad pointer", with(func(r *objects.Rule) { r.Learn = []objects.LearnRule{{Route: routeItems, IDPointer: "id"}} }), st, "id_pointer"},
		{"learn no api", with(func(r *objects.Rule) { r.Learn = []objects.LearnRule{{IDPointer: "/id"}} }), st, "learn 0: route has no API name"},
		{"learn bad method", with(func(r *objects.Rule) {
			r.Learn = []objects.LearnRule{{Route: routeItems, IDPointer: "/id", Methods: []string{""}}}
		}), st, "invalid method"},
		{"negative body", objects.Config{Rules: sampleRules(), MaxBodyBytes: -1}, st, "MaxBodyBytes"},
		{"negative ids", objects.Config{Rules: sampleRules(), MaxIDsPerResponse: -1}, st, "MaxIDsPerResponse"},
		{"bad fail mode", objects.Config{Rules: sampleRules(), OnStoreError: "sometimes"}, st, "fail mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := objects.New(tt.cfg, objects.Options{Marks: tt.marks})
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("New: error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
