package authz

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// BOLACheck acts as each of two users on the other's objects (OWASP
// API1:2023, CWE-639): it finds objects that belong to one user (created by
// the scan, or in that user's listing and not in the other's), reads each
// twice as the owner to learn which fields vary on their own, reads it as
// the other user, and reports when that answer is the owner's object field
// for field while a non-existent id is refused. Writes (PUT, PATCH) as the
// other user go only to objects the scan created, or to any object with
// --safe off; a write that lands is shown by the owner's re-read and then
// reverted by the owner. It never sends DELETE.
type BOLACheck struct{}

// ID implements core.Check.
func (BOLACheck) ID() string { return "authz.bola" }

// Stage implements core.Check.
func (BOLACheck) Stage() core.Stage { return core.StageAuthz }

// Title implements core.Check.
func (BOLACheck) Title() string {
	return "Broken object level authorization: one user on another's objects"
}

// Plan implements core.Check.
func (c BOLACheck) Plan(s *core.Scan) []core.PlannedRequest {
	var out []core.PlannedRequest
	for _, r := range resources(s.Operations()) {
		if r.create != nil {
			out = append(out, core.PlannedRequest{Endpoint: r.create.Key(), Class: "create one object as user1 and one as user2", Count: 2})
		}
		if r.list != nil {
			out = append(out, core.PlannedRequest{Endpoint: r.list.Key(), Class: "list as user1 and as user2, both ways", Count: 4})
		}
		out = append(out, core.PlannedRequest{Endpoint: r.read.Key(),
			Class: "read each user's objects twice as the owner, once as the other user; a non-existent id as the other user",
			Count: 2 * maxObjectsPerOwner * 4})
		for _, w := range r.writes {
			out = append(out, core.PlannedRequest{Endpoint: w.Key(),
				Class: "write the other user's object with a marker (scan-created objects only under --safe); owner re-reads and reverts",
				Count: 2 * 5, Unsafe: !s.Config().Safe})
		}
	}
	return out
}

// Run implements core.Check.
func (c BOLACheck) Run(ctx context.Context, s *core.Scan) error {
	a, b, ok := userPair(s)
	if !ok {
		return core.Skip("needs two working non-administrator auth profiles (user1 and user2)")
	}
	rs := resources(s.Operations())
	if len(rs) == 0 {
		return core.Skip("no operation reads an object by an id in its path")
	}
	for i, r := range rs {
		if err := c.resource(ctx, s, r, a, b); err != nil && probe.Stopped(ctx, err) {
			for _, rest := range rs[i:] {
				for _, op := range append([]core.Operation{rest.read}, rest.writes...) {
					s.CoverAs(op.Key(), c.ID(), core.NotReached, "the scan ended first: "+err.Error())
				}
			}
			return err
		}
	}
	return nil
}

// leak is one proven read of an owner's object by the other user.
type leak struct {
	owner, intruder string
	obj             object
	base, read, ctl core.Exchange
	compared        int
	ignored         int
}

func (c BOLACheck) resource(ctx context.Context, s *core.Scan, r resource, a, b string) error {
	objs := map[string][]object{}
	var leaks []leak
	var notes []string
	for _, dir := range [][2]string{{a, b}, {b, a}} {
		owner, intruder := dir[0], dir[1]
		found, err := owned(ctx, s, c.ID(), r, owner, intruder)
		objs[owner] = found
		if err != nil {
			if probe.Stopped(ctx, err) {
				return err
			}
			notes = append(notes, err.Error())
		}
		if len(found) == 0 {
			notes = append(notes, "no object of "+owner+" found (no create or list operation gave one)")
		}
		for _, o := range found {
			lk, why, err := c.tryRead(ctx, s, r, o, owner, intruder)
			if err != nil {
				if probe.Stopped(ctx, err) {
					return err
				}
				notes = append(notes, err.Error())
				continue
			}
			if lk != nil {
				leaks = append(leaks, *lk)
				break
			}
			notes = append(notes, why)
		}
	}
	switch {
	case len(leaks) > 0:
		s.Report(readFinding(c.ID(), r, leaks))
		s.CoverAs(r.read.Key(), c.ID(), core.Tested, "vulnerable: the other user read the owner's object", a, b)
	case len(objs[a]) == 0 && len(objs[b]) == 0:
		s.CoverAs(r.read.Key(), c.ID(), core.Skipped, strings.Join(dedupe(notes), "; "), a, b)
	default:
		s.CoverAs(r.read.Key(), c.ID(), core.Tested, "no leak: "+strings.Join(dedupe(notes), "; "), a, b)
	}
	for _, w := range r.writes {
		if err := c.write(ctx, s, r, w, objs, a, b); err != nil && probe.Stopped(ctx, err) {
			return err
		}
	}
	return nil
}

// tryRead reads obj as its owner twice and as intruder once, then a
// non-existent id as intruder. It returns a leak, or why there is none.
func (c BOLACheck) tryRead(ctx context.Context, s *core.Scan, r resource, o object, owner, intruder string) (*leak, string, error) {
	first, err := send(ctx, s, c.ID(), http.MethodGet, o.path, owner, nil, false)
	if err != nil {
		return nil, "", err
	}
	if !probe.Is2xx(first.Status) {
		return nil, fmt.Sprintf("the owner %s could not read %s (%d)", owner, o.path, first.Status), nil
	}
	again, err := send(ctx, s, c.ID(), http.MethodGet, o.path, owner, nil, false)
	if err != nil {
		return nil, "", err
	}
	base, repeat := Flatten(first.Body), Flatten(again.Body)
	if !probe.Is2xx(again.Status) || (!base.JSON && base.Text != repeat.Text) {
		return nil, "the owner's two reads of " + o.path + " differ too much to compare", nil
	}
	vol := Volatile(base, repeat)
	theirs, err := send(ctx, s, c.ID(), http.MethodGet, o.path, intruder, nil, false)
	if err != nil {
		return nil, "", err
	}
	if !probe.Is2xx(theirs.Status) {
		return nil, fmt.Sprintf("%s was refused %s (%d)", intruder, o.path, theirs.Status), nil
	}
	same, n := Match(base, Flatten(theirs.Body), vol, o.id)
	if !same {
		return nil, fmt.Sprintf("%s got %d for %s, but not the owner's object", intruder, theirs.Status, o.path), nil
	}
	ctl, err := send(ctx, s, c.ID(), http.MethodGet, fillPath(r.read, r.param, absentID(o.id)), intruder, nil, false)
	if err != nil {
		return nil, "", err
	}
	if !refusal(ctl.Status) {
		return nil, fmt.Sprintf("a non-existent id answered %d, so a 2xx proves nothing", ctl.Status), nil
	}
	return &leak{owner: owner, intruder: intruder, obj: o, base: first.Exchange, read: theirs.Exchange, ctl: ctl.Exchange,
		compared: n, ignored: len(vol)}, "", nil
}

// refusal: the status an API gives for an object that is not there or
// not the caller's.
func refusal(status int) bool {
	return status == http.StatusNotFound || status == http.StatusForbidden || status == http.StatusGone
}

func readFinding(check string, r resource, leaks []leak) core.Finding {
	first := leaks[0]
	conf, reason := core.Firm, "the other user's answer matched the owner's own answer field by field, and a non-existent id was refused; only one direction could be proven"
	if len(leaks) > 1 {
		conf, reason = core.Confirmed, "both users read each other's objects: each answer matched the owner's own answer field by field, and a non-existent id was refused each time"
	}
	var ev []core.Exchange
	var lines []string
	for i, lk := range leaks {
		if i == 0 {
			ev = append(ev, note(lk.base, fmt.Sprintf("the owner %s reads its object %s (%s)", lk.owner, lk.obj.id, lk.obj.how)))
		}
		ev = append(ev, note(lk.read, fmt.Sprintf("%s reads %s's object %s and gets the same %d fields", lk.intruder, lk.owner, lk.obj.id, lk.compared)))
		if i == 0 {
			ev = append(ev, note(lk.ctl, "control: a non-existent id as "+lk.intruder+" is refused"))
		}
		lines = append(lines, fmt.Sprintf("%s read %s's object %s (%s): %d fields equal to the owner's answer, %d fields that vary between the owner's own requests ignored",
			lk.intruder, lk.owner, lk.obj.id, lk.obj.how, lk.compared, lk.ignored))
	}
	return core.Finding{
		Check:            check,
		Title:            "A user can read another user's objects (BOLA)",
		OWASP:            core.API1BOLA,
		CWE:              639,
		Severity:         core.SeverityHigh,
		Confidence:       conf,
		ConfidenceReason: reason,
		Endpoint:         r.read.Key(),
		Parameter:        "path." + r.param,
		Description: fmt.Sprintf("%s serves an object to any authenticated caller who names its id: the API checks that the caller is "+
			"logged in, not that the object is theirs.\n- %s", r.read.Key(), strings.Join(lines, "\n- ")),
		Evidence:    ev,
		Curl:        probe.Curl(first.read.Request),
		Remediation: bolaRemediation(r),
	}
}

func bolaRemediation(r resource) string {
	return fmt.Sprintf("Look objects up by id and owner in the API. At the gateway, when the id names the caller "+
		"(a user id), add an owner rule: apis[].routes[].authz with path_template: %q and owner: {param: %s, claim: sub}. "+
		"For ids of objects (orders, items), enable the objects guard on the route: apis[].routes[].objects with "+
		"path_template: %q and param: %s, and learn from the routes that list or create them, so that a subject may use "+
		"only ids the API served to it.", r.read.Path, r.param, r.read.Path, r.param)
}

// markerFields are the string fields a write test prefers to mark.
var markerFields = []string{"name", "title", "description", "note", "notes", "comment", "label", "summary"}

// write tries w as each user on the other's object.
func (c BOLACheck) write(ctx context.Context, s *core.Scan, r resource, w core.Operation, objs map[string][]object, a, b string) error {
	safe := s.Config().Safe
	var why []string
	for _, dir := range [][2]string{{a, b}, {b, a}} {
		owner, intruder := dir[0], dir[1]
		i := slices.IndexFunc(objs[owner], func(o object) bool { return o.created || !safe })
		if i < 0 {
			if len(objs[owner]) > 0 {
				why = append(why, "--safe: no object of "+owner+" created by the scan to write")
			} else {
				why = append(why, "no object of "+owner+" found")
			}
			continue
		}
		f, reason, err := c.tryWrite(ctx, s, r, w, objs[owner][i], owner, intruder)
		if err != nil {
			if probe.Stopped(ctx, err) {
				return err
			}
			if errors.Is(err, core.ErrUnsafe) {
				why = append(why, "--safe refused the write")
				continue
			}
			why = append(why, err.Error())
			continue
		}
		if f != nil {
			s.Report(*f)
			s.CoverAs(w.Key(), c.ID(), core.Tested, "vulnerable: "+intruder+" changed "+owner+"'s object", a, b)
			return nil
		}
		why = append(why, reason)
	}
	status := core.Tested
	if !slices.ContainsFunc(why, func(w string) bool { return strings.Contains(w, "refused") || strings.Contains(w, "unchanged") }) {
		status = core.Skipped
	}
	s.CoverAs(w.Key(), c.ID(), status, strings.Join(dedupe(why), "; "), a, b)
	return nil
}

// tryWrite writes a marker into o as intruder, re-reads as the owner and
// reverts as the owner.
func (c BOLACheck) tryWrite(ctx context.Context, s *core.Scan, r resource, w core.Operation, o object, owner, intruder string) (*core.Finding, string, error) {
	wpath := fillPath(w, r.param, o.id)
	before, err := send(ctx, s, c.ID(), http.MethodGet, o.path, owner, nil, false)
	if err != nil {
		return nil, "", err
	}
	cur, ok := jsonObject(before.Body)
	if !probe.Is2xx(before.Status) || !ok {
		return nil, "the owner could not read " + o.path + " as a JSON object", nil
	}
	field := markField(w, cur)
	if field == "" {
		return nil, "no string field of " + w.Key() + " to mark", nil
	}
	marker := "rampart-bola-" + probe.RandomHex(4)
	body, err := writeBody(w, cur, field, marker)
	if err != nil {
		return nil, "", err
	}
	wr, err := send(ctx, s, c.ID(), w.Method, wpath, intruder, body, true)
	if err != nil {
		return nil, "", err
	}
	if !probe.Is2xx(wr.Status) {
		return nil, fmt.Sprintf("%s's write was refused (%d)", intruder, wr.Status), nil
	}
	after, err := send(ctx, s, c.ID(), http.MethodGet, o.path, owner, nil, false)
	if err != nil {
		return nil, "", err
	}
	now, _ := jsonObject(after.Body)
	if scalarString(now[field]) != marker {
		return nil, fmt.Sprintf("%s's write answered %d but the owner's object was unchanged", intruder, wr.Status), nil
	}
	// Put the owner's value back, as the owner.
	ev := []core.Exchange{
		note(before.Exchange, fmt.Sprintf("the owner %s reads its object %s (%s)", owner, o.id, o.how)),
		note(wr.Exchange, fmt.Sprintf("%s writes %q into %s of %s's object", intruder, marker, field, owner)),
		note(after.Exchange, "the owner's re-read shows the other user's marker"),
	}
	restored := "The owner's value was put back (see the last exchanges)."
	rb, err := writeBody(w, cur, field, scalarString(cur[field]))
	if err == nil {
		rev, rerr := send(ctx, s, c.ID(), w.Method, wpath, owner, rb, true)
		switch {
		case rerr != nil:
			restored = "Putting the owner's value back failed: " + rerr.Error() + "."
		case !probe.Is2xx(rev.Status):
			ev = append(ev, note(rev.Exchange, "revert as the owner"))
			restored = fmt.Sprintf("Putting the owner's value back was refused (%d); restore %s by hand.", rev.Status, field)
		default:
			ev = append(ev, note(rev.Exchange, "revert: the owner writes its original value back"))
		}
	}
	f := core.Finding{
		Check:            c.ID(),
		Title:            "A user can modify another user's objects (BOLA)",
		OWASP:            core.API1BOLA,
		CWE:              639,
		Severity:         core.SeverityCritical,
		Confidence:       core.Confirmed,
		ConfidenceReason: "the owner's own read before the write did not have the marker and the owner's read after it did",
		Endpoint:         w.Key(),
		Parameter:        "path." + r.param,
		Description: fmt.Sprintf("%s as %s changed %s of an object that belongs to %s (%s): the API accepts writes to any id. %s",
			w.Key(), intruder, field, owner, o.how, restored),
		Evidence:    ev,
		Curl:        probe.Curl(wr.Exchange.Request),
		Remediation: bolaRemediation(r),
	}
	return &f, "", nil
}

// markField picks a string field the write operation takes and the object
// has, so that the change shows in a re-read and can be reverted.
func markField(w core.Operation, cur map[string]any) string {
	var takes []string
	if w.Body != nil {
		for _, f := range w.Body.Fields {
			if !slices.Contains(w.Body.ReadOnly, f.Name) {
				takes = append(takes, f.Name)
			}
		}
		if len(takes) == 0 {
			for k := range w.Body.Example {
				takes = append(takes, k)
			}
		}
	}
	slices.Sort(takes)
	usable := func(k string) bool {
		_, isStr := cur[k].(string)
		return isStr && slices.Contains(takes, k)
	}
	for _, k := range markerFields {
		if usable(k) {
			return k
		}
	}
	for _, k := range takes {
		if usable(k) && !strings.Contains(strings.ToLower(k), "mail") {
			return k
		}
	}
	return ""
}

// writeBody is the body of a write that sets field to value: for PATCH
// that field alone; for PUT the whole writable object as it is now (from
// cur, else the example) with the one change.
func writeBody(w core.Operation, cur map[string]any, field, value string) ([]byte, error) {
	body := map[string]any{field: value}
	if w.Method == http.MethodPut && w.Body != nil {
		for k, v := range w.Body.Example {
			body[k] = v
		}
		for _, f := range w.Body.Fields {
			if v, ok := cur[f.Name]; ok && !slices.Contains(w.Body.ReadOnly, f.Name) {
				body[f.Name] = v
			}
		}
		body[field] = value
	}
	return json.Marshal(body)
}

// dedupe drops repeated and empty notes, keeping order.
func dedupe(in []string) []string {
	var out []string
	for _, s := range in {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
