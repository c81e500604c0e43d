package report

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/rampartsec/rampart/internal/attack/core"
)

// WriteJSON writes report.json: the report as indented JSON, fields in the
// order core declares them (maps, such as headers, with sorted keys), so
// that two runs over the same findings diff cleanly. The format is the JSON
// Schema docs/attack-report-schema.json.
//
// Lists are written as [] rather than null when empty, so that a consumer
// can iterate "findings" without a null check; HTML characters are not
// escaped as \u003c, since the file is read by tools and people, not
// embedded in a page.
func WriteJSON(w io.Writer, r *core.Report) error {
	if err := validate(r); err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(withEmptyLists(r)); err != nil {
		return fmt.Errorf("writing report json: %w", err)
	}
	return nil
}

// withEmptyLists returns a copy of r whose always-present lists are
// non-nil. r is not modified: the caller may still be using it.
func withEmptyLists(r *core.Report) *core.Report {
	c := *r
	c.Checks = nonNil(c.Checks)
	c.Operations = nonNil(c.Operations)
	c.Coverage = nonNil(c.Coverage)
	c.Findings = make([]core.Finding, len(r.Findings))
	for i, f := range r.Findings {
		f.Evidence = nonNil(f.Evidence)
		c.Findings[i] = f
	}
	if r.Plan != nil {
		c.Plan = make([]core.PlannedCheck, len(r.Plan))
		for i, p := range r.Plan {
			p.Requests = nonNil(p.Requests)
			c.Plan[i] = p
		}
	}
	return &c
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
