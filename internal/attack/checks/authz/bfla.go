package authz

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// BFLACheck calls administrators' operations as a regular user (OWASP
// API5:2023, CWE-285). An operation counts as administrative when the spec
// marks it (tag, path segment, x-rampart-roles: [admin], --admin-endpoints)
// or its path or tags name admin. A finding needs three answers: an
// anonymous request refused (401/403, so the operation is protected at
// all), the regular user's request answered 2xx with content, and that
// content the same as the administrator's answer when an admin profile is
// configured (else non-error JSON content). A second regular user getting
// the same answer confirms it. Only GET and HEAD are sent: calling an
// administrator's write to see whether it works would do what it does.
type BFLACheck struct{}

// ID implements core.Check.
func (BFLACheck) ID() string { return "authz.bfla" }

// Stage implements core.Check.
func (BFLACheck) Stage() core.Stage { return core.StageAuthz }

// Title implements core.Check.
func (BFLACheck) Title() string {
	return "Broken function level authorization: a user on admin operations"
}

// adminOps returns the administrative operations.
func adminOps(ops []core.Operation) []core.Operation {
	var out []core.Operation
	for _, op := range ops {
		if op.AdminOnly || namesAdmin(op) {
			out = append(out, op)
		}
	}
	return out
}

// namesAdmin: a path segment or tag is admin, administrator or
// administration (for discovered operations the spec loader did not mark).
func namesAdmin(op core.Operation) bool {
	words := strings.FieldsFunc(strings.ToLower(op.Path), func(r rune) bool { return r == '/' || r == '-' || r == '_' || r == '.' })
	for _, t := range op.Tags {
		words = append(words, strings.ToLower(t))
	}
	for _, w := range words {
		if w == "admin" || w == "admins" || w == "administrator" || w == "administration" {
			return true
		}
	}
	return false
}

// Plan implements core.Check.
func (c BFLACheck) Plan(s *core.Scan) []core.PlannedRequest {
	var out []core.PlannedRequest
	for _, op := range adminOps(s.Operations()) {
		if readMethod(op.Method) {
			out = append(out, core.PlannedRequest{Endpoint: op.Key(), Class: "anonymous control, then as user1, admin and user2", Count: 4})
		}
	}
	return out
}

func readMethod(m string) bool { return m == http.MethodGet || m == http.MethodHead }

// Run implements core.Check.
func (c BFLACheck) Run(ctx context.Context, s *core.Scan) error {
	user := probe.Unprivileged(s)
	if user == "" {
		return core.Skip("needs a working non-administrator auth profile (user1)")
	}
	ops := adminOps(s.Operations())
	if len(ops) == 0 {
		return core.Skip("no administrative operation known (mark them with tags, x-rampart-roles or --admin-endpoints)")
	}
	second := ""
	if a, b, ok := userPair(s); ok {
		user, second = a, b
	}
	admin := adminProfile(s)
	for i, op := range ops {
		if !readMethod(op.Method) {
			s.CoverAs(op.Key(), c.ID(), core.Skipped, "state-changing administrative operation: not sent")
			continue
		}
		if err := c.operation(ctx, s, op, user, second, admin); err != nil {
			if probe.Stopped(ctx, err) {
				for _, rest := range ops[i:] {
					s.CoverAs(rest.Key(), c.ID(), core.NotReached, "the scan ended first: "+err.Error())
				}
				return err
			}
			s.CoverAs(op.Key(), c.ID(), core.Skipped, err.Error())
		}
	}
	return nil
}

func (c BFLACheck) operation(ctx context.Context, s *core.Scan, op core.Operation, user, second, admin string) error {
	p := probe.ConcretePath(op)
	anon, err := send(ctx, s, c.ID(), op.Method, p, "", nil, false)
	if err != nil {
		return err
	}
	if !probe.Refused(anon.Status) {
		s.CoverAs(op.Key(), c.ID(), core.Tested, fmt.Sprintf("an anonymous request got %d, so a user's access proves nothing about roles", anon.Status))
		return nil
	}
	mine, err := send(ctx, s, c.ID(), op.Method, p, user, nil, false)
	if err != nil {
		return err
	}
	if !probe.Is2xx(mine.Status) || errorShaped(mine) || len(strings.TrimSpace(string(mine.Body))) == 0 {
		s.CoverAs(op.Key(), c.ID(), core.Tested, fmt.Sprintf("refused to %s (%d)", user, mine.Status), user)
		return nil
	}
	ev := []core.Exchange{
		note(anon.Exchange, "control: an anonymous request is refused"),
		note(mine.Exchange, "the regular user "+user+" is served"),
	}
	why := "the anonymous control was refused and the regular user got non-error content"
	if admin != "" {
		ad, err := send(ctx, s, c.ID(), op.Method, p, admin, nil, false)
		if err != nil {
			return err
		}
		if !probe.Is2xx(ad.Status) || !probe.SameContent(ad.Body, mine.Body) {
			s.CoverAs(op.Key(), c.ID(), core.Tested, fmt.Sprintf("%s got %d but not the administrator's answer (%d)", user, mine.Status, ad.Status), user, admin)
			return nil
		}
		ev = append(ev, note(ad.Exchange, "the administrator "+admin+" gets the same content"))
		why = "the anonymous control was refused and the regular user got the administrator's own answer"
	} else if _, isJSON := jsonObjectOrArray(mine.Body); !isJSON {
		s.CoverAs(op.Key(), c.ID(), core.Tested, fmt.Sprintf("%s got %d but no JSON content to judge without an admin profile", user, mine.Status), user)
		return nil
	}
	conf := core.Firm
	if second != "" {
		other, err := send(ctx, s, c.ID(), op.Method, p, second, nil, false)
		if err != nil {
			return err
		}
		if probe.Is2xx(other.Status) && probe.SameContent(other.Body, mine.Body) {
			conf = core.Confirmed
			why += "; a second regular user, " + second + ", got the same"
			ev = append(ev, note(other.Exchange, "a second regular user "+second+" is served too"))
		}
	}
	s.Report(core.Finding{
		Check:            c.ID(),
		Title:            "A regular user can call an administrative operation (BFLA)",
		OWASP:            core.API5BFLA,
		CWE:              285,
		Severity:         core.SeverityHigh,
		Confidence:       conf,
		ConfidenceReason: why,
		Endpoint:         op.Key(),
		Description: fmt.Sprintf("%s is an administrative operation (%s) but answers %d to the regular user %s: the API checks that the "+
			"caller is logged in, not that the caller holds the administrator role.", op.Key(), adminReason(op), mine.Status, user),
		Evidence: ev,
		Curl:     probe.Curl(mine.Exchange.Request),
		Remediation: fmt.Sprintf("Check the caller's role in the API for every administrative function. At the gateway, give the route "+
			"a role rule: apis[].routes[] with path: %q and authz: {roles: [admin]} (roles come from the token's roles claim), "+
			"and keep the schema guard's undocumented: deny so unlisted admin routes are not reachable at all.", op.Path),
	})
	s.CoverAs(op.Key(), c.ID(), core.Tested, "vulnerable: "+user+" was served", present(user, admin, second)...)
	return nil
}

func adminReason(op core.Operation) string {
	if namesAdmin(op) {
		return "its path or tags name admin"
	}
	return "the spec or --admin-endpoints mark it for administrators"
}

// jsonObjectOrArray reports whether body is a non-empty JSON object or array.
func jsonObjectOrArray(body []byte) (Doc, bool) {
	d := Flatten(body)
	return d, d.JSON && len(d.Leaves) > 0 && d.Leaves[""] != "{}" && d.Leaves[""] != "[]"
}
