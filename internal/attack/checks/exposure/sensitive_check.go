package exposure

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// SensitiveDataCheck reports answers that carry card data, national ids,
// other users' email addresses, tokens, keys, password hashes or secrets.
type SensitiveDataCheck struct{}

// ID implements core.Check.
func (SensitiveDataCheck) ID() string { return "exposure.sensitive_data" }

// Stage implements core.Check.
func (SensitiveDataCheck) Stage() core.Stage { return core.StageExposure }

// Title implements core.Check.
func (SensitiveDataCheck) Title() string { return "Sensitive data in responses" }

// Plan implements core.Check.
func (SensitiveDataCheck) Plan(s *core.Scan) []core.PlannedRequest { return planCrawl(s) }

// bulkEmails is how many addresses not known to be the caller's make one
// answer a bulk disclosure.
const bulkEmails = 3

// selfPath matches paths that describe the caller: the addresses they
// return are the caller's own.
var selfPath = regexp.MustCompile(`(?i)/(me|self|whoami|profile|account|userinfo|current[-_]?user)(/|$)`)

// dataClass groups kinds into one finding per endpoint.
type dataClass struct {
	title       string
	owasp       string
	cwe         int
	severity    core.Severity
	remediation string
}

var classes = map[string]dataClass{
	"card": {"Payment card data in response", core.API3Property, 213, core.SeverityHigh,
		"Return at most the last four digits of a card number and never the CVV (PCI DSS 3.3, 3.4): fix the serializer in the application. " +
			"With Rampart, describe the answer without these fields and set apis[].schema.response_validation: enforce so undeclared fields never leave the API (response DLP masking is planned)."},
	"ssn": {"National identity number in response", core.API3Property, 359, core.SeverityHigh,
		"Do not return national identity numbers; mask them in the application. With Rampart, apis[].schema.response_validation: enforce refuses fields the spec does not declare (response DLP masking is planned)."},
	"email": {"Other users' email addresses in response", core.API3Property, 359, core.SeverityMedium,
		"Return only the caller's own personal data, or only what the client needs of others. With Rampart, restrict the route to the roles that need it (apis[].routes[].authz) and set apis[].schema.response_validation: enforce."},
	"secret": {"Secret in response", core.API3Property, 200, core.SeverityHigh,
		"Remove secrets from API answers and rotate the exposed ones. With Rampart, apis[].schema.response_validation: enforce refuses undeclared fields and apis[].schema.undocumented: deny closes forgotten debug endpoints."},
	"hash": {"Password hashes in response", core.API3Property, 200, core.SeverityHigh,
		"Never return password hashes, even to administrators; store them salted and slow (Argon2id, bcrypt, scrypt or PBKDF2 with a high cost). With Rampart, apis[].schema.response_validation: enforce refuses undeclared fields."},
	"jwt": {"Token in response", core.API3Property, 200, core.SeverityMedium,
		"Return tokens only from the login or token endpoint, and only the caller's. With Rampart, apis[].schema.response_validation: enforce refuses undeclared fields."},
}

func classOf(k Kind) string {
	switch k {
	case KindCard, KindCVV:
		return "card"
	case KindSSN:
		return "ssn"
	case KindPasswordHash:
		return "hash"
	case KindJWT:
		return "jwt"
	case KindSecretField, KindAWSKey, KindPrivateKey, KindURLCredential:
		return "secret"
	}
	return ""
}

// Run implements core.Check.
func (c SensitiveDataCheck) Run(ctx context.Context, s *core.Scan) error {
	cr := sharedCrawl(ctx, s, c.ID())
	exposed := reconExposed(s)
	own := ownEmails(cr.answers)
	reported := map[string]bool{}
	for _, a := range cr.answers {
		byClass := map[string][]Match{}
		found := SensitiveData(a.resp.Body)
		// Evidence masks every sensitive value of the body, whichever
		// finding it serves.
		var mask []string
		for _, m := range found {
			mask = append(mask, m.Value)
		}
		for _, m := range found {
			cl := classOf(m.Kind)
			if cl == "" || (cl == "secret" && exposed[a.op.Path]) {
				continue
			}
			if m.Kind == KindJWT && a.profile != "" && s.Profile(a.profile) != nil && m.Value == s.Profile(a.profile).Token() {
				continue // the caller's own token
			}
			byClass[cl] = append(byClass[cl], m)
		}
		if others := otherEmails(a, own); len(others) > 0 {
			for _, e := range others {
				byClass["email"] = append(byClass["email"], Match{Kind: "email", Value: e, Detail: "email address"})
			}
		}
		names := make([]string, 0, len(byClass))
		for cl := range byClass {
			names = append(names, cl)
		}
		sort.Strings(names)
		for _, cl := range names {
			key := cl + " " + a.op.Key()
			if reported[key] {
				continue
			}
			reported[key] = true
			s.Report(dataFinding(c.ID(), cl, a, byClass[cl], mask))
		}
	}
	cr.cover(s, c.ID())
	return cr.err
}

// ownEmails learns, per profile, the addresses its self-describing
// endpoints (/me, /profile …) return.
func ownEmails(answers []answer) map[string]map[string]bool {
	own := map[string]map[string]bool{}
	for _, a := range answers {
		if a.profile == "" || !probe.Is2xx(a.resp.Status) || !selfPath.MatchString(a.op.Path) {
			continue
		}
		if own[a.profile] == nil {
			own[a.profile] = map[string]bool{}
		}
		for _, e := range Emails(a.resp.Body) {
			own[a.profile][e] = true
		}
	}
	return own
}

// otherEmails returns the addresses of an answer that are a disclosure:
// for a non-administrator whose own address is known, any other address;
// otherwise (own address unknown, or anonymous) only a bulk of them.
// Administrators are expected to see their users.
func otherEmails(a answer, own map[string]map[string]bool) []string {
	if probe.Privileged(a.profile) || !probe.Is2xx(a.resp.Status) {
		return nil
	}
	var others []string
	for _, e := range Emails(a.resp.Body) {
		if !own[a.profile][e] {
			others = append(others, e)
		}
	}
	if len(own[a.profile]) > 0 && len(others) > 0 || len(others) >= bulkEmails {
		return others
	}
	return nil
}

func dataFinding(check, cl string, a answer, ms []Match, mask []string) core.Finding {
	dc := classes[cl]
	values := append([]string(nil), mask...)
	var lines []string
	sev := dc.severity
	for i, m := range ms {
		values = append(values, m.Value)
		if m.Kind == KindPrivateKey {
			sev = core.SeverityCritical
		}
		if i < 10 {
			where := m.Field
			if where == "" {
				where = "body"
			}
			lines = append(lines, fmt.Sprintf("%s (%s): %s", where, m.Detail, probe.Mask(m.Value)))
		}
	}
	if len(ms) > 10 {
		lines = append(lines, fmt.Sprintf("… and %d more", len(ms)-10))
	}
	who := "anonymously"
	if a.profile != "" {
		who = "as " + a.profile
	}
	ex := probe.MaskExchange(a.resp.Exchange, values...)
	ex.Note = fmt.Sprintf("GET %s %s returned %d value(s), masked here", a.path, who, len(ms))
	return core.Finding{
		Check:            check,
		Title:            dc.title,
		OWASP:            dc.owasp,
		CWE:              dc.cwe,
		Severity:         sev,
		Confidence:       core.Firm,
		ConfidenceReason: "the values are in the recorded answer and pass format checks (Luhn and issuer prefix for cards, SSA rules for SSNs, hash formats)",
		Endpoint:         a.op.Key(),
		Description: fmt.Sprintf("GET %s %s answered %d with:\n- %s", a.path, who, a.resp.Status,
			strings.Join(lines, "\n- ")),
		Evidence:    []core.Exchange{ex},
		Curl:        probe.Curl(ex.Request),
		Remediation: dc.remediation,
	}
}
