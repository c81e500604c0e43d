package authz

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// privilegedNames are properties a client should never set for itself,
// whatever the spec says: roles and flags that grant rights, money, and
// ownership. The spec's readOnly properties of the request body join them.
var privilegedNames = []string{"role", "roles", "is_admin", "isAdmin", "admin", "balance", "credit",
	"verified", "permissions", "owner_id"}

// MassAssignmentCheck writes privileged properties (OWASP API3:2023,
// CWE-915): readOnly properties of the request schema and the usual
// suspects (role, is_admin, isAdmin, admin, balance, credit, verified,
// permissions, owner_id) that the object shows but the operation does not
// document as writable. It writes them on the caller's own resources — the
// PUT/PATCH of a path without parameters that has a GET twin (/users/me),
// objects the scan creates, and the create operation itself — re-reads the
// object to see which persisted, and writes the original values back. The
// caller's own profile is not an object the scan created, so --safe skips it.
type MassAssignmentCheck struct{}

// ID implements core.Check.
func (MassAssignmentCheck) ID() string { return "authz.mass_assignment" }

// Stage implements core.Check.
func (MassAssignmentCheck) Stage() core.Stage { return core.StageAuthz }

// Title implements core.Check.
func (MassAssignmentCheck) Title() string { return "Mass assignment of privileged properties" }

// selfOps returns the PUT/PATCH operations on a path without parameters
// that also answers GET: the caller's own resource (/users/me, /account).
func selfOps(ops []core.Operation) []core.Operation {
	var out []core.Operation
	for _, op := range ops {
		if (op.Method != http.MethodPut && op.Method != http.MethodPatch) || strings.Contains(op.Path, "{") {
			continue
		}
		if slices.ContainsFunc(ops, func(o core.Operation) bool { return o.Method == http.MethodGet && o.Path == op.Path }) {
			out = append(out, op)
		}
	}
	return out
}

// Plan implements core.Check.
func (c MassAssignmentCheck) Plan(s *core.Scan) []core.PlannedRequest {
	var out []core.PlannedRequest
	for _, op := range selfOps(s.Operations()) {
		out = append(out, core.PlannedRequest{Endpoint: op.Key(),
			Class: "write privileged properties on the caller's own resource, re-read, write the originals back", Count: 5, Unsafe: true})
	}
	for _, r := range resources(s.Operations()) {
		if r.create == nil {
			continue
		}
		out = append(out, core.PlannedRequest{Endpoint: r.create.Key(),
			Class: "create a control object and one with privileged properties; read both back", Count: 4})
		for _, w := range r.writes {
			out = append(out, core.PlannedRequest{Endpoint: w.Key(),
				Class: "write privileged properties on the control object the scan created; re-read", Count: 3})
		}
	}
	return out
}

// Run implements core.Check.
func (c MassAssignmentCheck) Run(ctx context.Context, s *core.Scan) error {
	user := probe.Unprivileged(s)
	if user == "" {
		return core.Skip("needs a working non-administrator auth profile (user1)")
	}
	ops := s.Operations()
	selfs := selfOps(ops)
	var rs []resource
	for _, r := range resources(ops) {
		if r.create != nil {
			rs = append(rs, r)
		}
	}
	if len(selfs) == 0 && len(rs) == 0 {
		return core.Skip("no write operation on the caller's own resources (PUT/PATCH of /me-like paths, or a create operation)")
	}
	stop := func(err error) bool { return err != nil && probe.Stopped(ctx, err) }
	for _, op := range selfs {
		get := core.Operation{Method: http.MethodGet, Path: op.Path, Params: op.Params}
		if err := c.update(ctx, s, op, get, probe.ConcretePath(op), probe.ConcretePath(get), user, false); stop(err) {
			return err
		}
	}
	for _, r := range rs {
		if err := c.created(ctx, s, r, user); stop(err) {
			return err
		}
	}
	return nil
}

// candidates are the privileged properties cur shows that op does not
// document as writable, with the values to write: each differs from the
// current one.
func candidates(op core.Operation, cur map[string]any, skip ...string) map[string]any {
	names := slices.Clone(privilegedNames)
	writable := map[string]bool{}
	if op.Body != nil {
		names = append(names, op.Body.ReadOnly...)
		for _, f := range op.Body.Fields {
			if !slices.Contains(op.Body.ReadOnly, f.Name) {
				writable[f.Name] = true
			}
		}
	}
	out := map[string]any{}
	for _, n := range names {
		v, shown := cur[n]
		if !shown || writable[n] || n == "id" || slices.Contains(skip, n) {
			continue
		}
		if nv, ok := privilegedValue(n, v); ok {
			out[n] = nv
		}
	}
	return out
}

// privilegedValue is the value to write into a property: the other
// boolean, the number plus 1337, "admin" for a role, a list with "admin"
// added. Objects and nulls are left alone: there is no telling what they
// should hold.
func privilegedValue(name string, cur any) (any, bool) {
	switch v := cur.(type) {
	case bool:
		return !v, true
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return json.Number(fmt.Sprint(n + 1337)), true
		}
		if f, err := v.Float64(); err == nil {
			return f + 1337, true
		}
	case string:
		if strings.Contains(strings.ToLower(name), "role") {
			if v == "admin" {
				return "superadmin", true
			}
			return "admin", true
		}
		return "rampart-" + probe.RandomHex(4), true
	case []any:
		return append(slices.Clone(v), "admin"), true
	}
	return nil, false
}

// persisted lists the written properties whose re-read value is the
// written one, sorted.
func persisted(written map[string]any, after map[string]any) []string {
	var out []string
	for k, v := range written {
		if sameJSON(after[k], v) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func sameJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

// update writes privileged properties with op (at wpath) on the resource
// read at rpath, re-reads it and writes the originals back. created says
// whether the scan created the resource (the finding says so).
func (c MassAssignmentCheck) update(ctx context.Context, s *core.Scan, op, get core.Operation, wpath, rpath, user string, created bool) error {
	before, err := send(ctx, s, c.ID(), http.MethodGet, rpath, user, nil, false)
	if err != nil {
		return c.coverErr(s, op, user, err)
	}
	cur, ok := jsonObject(before.Body)
	if !probe.Is2xx(before.Status) || !ok {
		s.CoverAs(op.Key(), c.ID(), core.Skipped, fmt.Sprintf("%s %s answered %d without a JSON object to compare", get.Method, rpath, before.Status), user)
		return nil
	}
	inject := candidates(op, cur, lastPathParam(op.Path))
	if len(inject) == 0 {
		s.CoverAs(op.Key(), c.ID(), core.Tested, "the resource shows no privileged property the operation does not document as writable", user)
		return nil
	}
	body := writeFields(op, cur, inject)
	wr, err := send(ctx, s, c.ID(), op.Method, wpath, user, body, !created)
	if err != nil {
		return c.coverErr(s, op, user, err)
	}
	after, err := send(ctx, s, c.ID(), http.MethodGet, rpath, user, nil, false)
	if err != nil {
		return c.coverErr(s, op, user, err)
	}
	now, _ := jsonObject(after.Body)
	got := persisted(inject, now)
	if len(got) == 0 {
		s.CoverAs(op.Key(), c.ID(), core.Tested, fmt.Sprintf("not vulnerable: the write answered %d and nothing privileged persisted", wr.Status), user)
		return nil
	}
	ev := []core.Exchange{
		note(before.Exchange, "before: the resource as "+user+" reads it"),
		note(wr.Exchange, "the write with privileged properties "+strings.Join(sortedKeys(inject), ", ")),
		note(after.Exchange, "after: "+strings.Join(got, ", ")+" took the written values"),
	}
	// Write the originals back: a second write through the same flaw,
	// which is also the second proof.
	orig := map[string]any{}
	for _, k := range got {
		orig[k] = cur[k]
	}
	conf, reason := core.Firm, "the re-read showed the written values; putting the originals back did not take, so only one write is proven"
	restored := "Putting the original values back did not work; restore " + strings.Join(got, ", ") + " by hand."
	rev, rerr := send(ctx, s, c.ID(), op.Method, wpath, user, writeFields(op, cur, orig), !created)
	if rerr == nil {
		ev = append(ev, note(rev.Exchange, "revert: the original values written back"))
		if fin, ferr := send(ctx, s, c.ID(), http.MethodGet, rpath, user, nil, false); ferr == nil {
			final, _ := jsonObject(fin.Body)
			if len(persisted(orig, final)) == len(orig) {
				ev = append(ev, note(fin.Exchange, "final: the original values are back"))
				conf, reason = core.Confirmed, "the privileged properties took two successive written values (the attack, then the revert), each seen in a re-read"
				restored = "The original values were written back."
			} else {
				ev = append(ev, note(fin.Exchange, "final: the original values did not come back"))
			}
		}
	}
	where := "the caller's own resource"
	if created {
		where = "an object the scan created"
	}
	s.Report(core.Finding{
		Check:            c.ID(),
		Title:            "Privileged properties can be set by the client (mass assignment)",
		OWASP:            core.API3Property,
		CWE:              915,
		Severity:         massSeverity(got),
		Confidence:       conf,
		ConfidenceReason: reason,
		Endpoint:         op.Key(),
		Parameter:        "body./" + got[0],
		Description: fmt.Sprintf("%s on %s (%s) binds properties the client must not set: %s persisted with the values %s wrote. %s",
			op.Key(), rpath, where, strings.Join(got, ", "), user, restored),
		Evidence:    ev,
		Curl:        probe.Curl(wr.Exchange.Request),
		Remediation: massRemediation(op),
	})
	s.CoverAs(op.Key(), c.ID(), core.Tested, "vulnerable: "+strings.Join(got, ", ")+" persisted", user)
	return nil
}

// created runs the create operation once plainly (the control) and once
// with privileged properties, reads both back, then tries the item writes
// on the control object.
func (c MassAssignmentCheck) created(ctx context.Context, s *core.Scan, r resource, user string) error {
	ctl, err := createObject(ctx, s, c.ID(), r, user)
	if err != nil {
		return c.coverErr(s, *r.create, user, err)
	}
	if ctl == nil {
		s.CoverAs(r.create.Key(), c.ID(), core.Skipped, "could not create a control object with the example body", user)
		return nil
	}
	ctlRead, err := send(ctx, s, c.ID(), http.MethodGet, ctl.path, user, nil, false)
	if err != nil {
		return c.coverErr(s, *r.create, user, err)
	}
	cur, ok := jsonObject(ctlRead.Body)
	if !probe.Is2xx(ctlRead.Status) || !ok {
		s.CoverAs(r.create.Key(), c.ID(), core.Skipped, fmt.Sprintf("the created object %s reads %d without a JSON object", ctl.path, ctlRead.Status), user)
		return nil
	}
	inject := candidates(*r.create, cur, r.param)
	if len(inject) == 0 {
		s.CoverAs(r.create.Key(), c.ID(), core.Tested, "created objects show no privileged property the operation does not document", user)
	} else if err := c.createWith(ctx, s, r, user, ctl, ctlRead, inject); err != nil {
		return err
	}
	for _, w := range r.writes {
		if err := c.update(ctx, s, w, r.read, fillPath(w, r.param, ctl.id), ctl.path, user, true); err != nil {
			return err
		}
	}
	return nil
}

func (c MassAssignmentCheck) createWith(ctx context.Context, s *core.Scan, r resource, user string, ctl *object, ctlRead *core.Response, inject map[string]any) error {
	body := map[string]any{}
	for k, v := range r.create.Body.Example {
		body[k] = v
	}
	for k, v := range inject {
		body[k] = v
	}
	raw, _ := json.Marshal(body)
	resp, err := send(ctx, s, c.ID(), http.MethodPost, probe.ConcretePath(*r.create), user, raw, false)
	if err != nil {
		return c.coverErr(s, *r.create, user, err)
	}
	id := ""
	if m, ok := jsonObject(resp.Body); ok {
		id = idOf(m, r)
	}
	if id == "" {
		id = locationID(resp.Header)
	}
	if !probe.Is2xx(resp.Status) || id == "" {
		s.CoverAs(r.create.Key(), c.ID(), core.Tested, fmt.Sprintf("not vulnerable: creating with privileged properties answered %d", resp.Status), user)
		return nil
	}
	p := fillPath(r.read, r.param, id)
	s.TrackCreated(pathOnly(p))
	back, err := send(ctx, s, c.ID(), http.MethodGet, p, user, nil, false)
	if err != nil {
		return c.coverErr(s, *r.create, user, err)
	}
	now, _ := jsonObject(back.Body)
	got := persisted(inject, now)
	if len(got) == 0 {
		s.CoverAs(r.create.Key(), c.ID(), core.Tested, "not vulnerable: no privileged property persisted on create", user)
		return nil
	}
	s.Report(core.Finding{
		Check:            c.ID(),
		Title:            "Privileged properties can be set by the client on create (mass assignment)",
		OWASP:            core.API3Property,
		CWE:              915,
		Severity:         massSeverity(got),
		Confidence:       core.Firm,
		ConfidenceReason: "a control object created without the properties shows other values; the object created with them shows the written ones",
		Endpoint:         r.create.Key(),
		Parameter:        "body./" + got[0],
		Description: fmt.Sprintf("%s binds properties the client must not set: %s persisted on the created object %s. Both objects were created by the scan and are left in place.",
			r.create.Key(), strings.Join(got, ", "), p),
		Evidence: []core.Exchange{
			note(ctlRead.Exchange, "control: an object created with the example body ("+ctl.path+")"),
			note(resp.Exchange, "create with privileged properties "+strings.Join(sortedKeys(inject), ", ")),
			note(back.Exchange, "read back: "+strings.Join(got, ", ")+" took the written values"),
		},
		Curl:        probe.Curl(resp.Exchange.Request),
		Remediation: massRemediation(*r.create),
	})
	s.CoverAs(r.create.Key(), c.ID(), core.Tested, "vulnerable: "+strings.Join(got, ", ")+" persisted on create", user)
	return nil
}

// writeFields is the body of a write of fields: for PATCH the fields
// alone, for PUT the resource's writable properties as they are now plus
// the fields.
func writeFields(op core.Operation, cur map[string]any, fields map[string]any) []byte {
	body := map[string]any{}
	if op.Method == http.MethodPut && op.Body != nil {
		for k, v := range op.Body.Example {
			body[k] = v
		}
		for _, f := range op.Body.Fields {
			if v, ok := cur[f.Name]; ok && !slices.Contains(op.Body.ReadOnly, f.Name) {
				body[f.Name] = v
			}
		}
	}
	for k, v := range fields {
		body[k] = v
	}
	raw, _ := json.Marshal(body)
	return raw
}

// coverErr records a failed probe; it returns err only when the scan must stop.
func (c MassAssignmentCheck) coverErr(s *core.Scan, op core.Operation, user string, err error) error {
	switch {
	case errors.Is(err, core.ErrUnsafe):
		s.CoverAs(op.Key(), c.ID(), core.Skipped, "--safe: the write would change the caller's own profile, which the scan did not create", user)
		return nil
	case errors.Is(err, core.ErrBudget):
		s.CoverAs(op.Key(), c.ID(), core.NotReached, "the scan ended first: "+err.Error(), user)
		return err
	}
	s.CoverAs(op.Key(), c.ID(), core.Skipped, err.Error(), user)
	return err
}

func massSeverity(fields []string) core.Severity {
	for _, f := range fields {
		switch strings.ToLower(f) {
		case "role", "roles", "is_admin", "isadmin", "admin", "permissions":
			return core.SeverityCritical
		}
	}
	return core.SeverityHigh
}

func massRemediation(op core.Operation) string {
	return fmt.Sprintf("Bind request bodies to an explicit allow-list of writable fields in the API. At the gateway, describe %s in the "+
		"OpenAPI spec with readOnly: true on privileged properties (or additionalProperties: false on the request schema) and "+
		"enable the schema guard (apis[].schema.spec_file, mode: enforce): requests that write readOnly or undocumented "+
		"properties are refused before they reach the API.", op.Key())
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
