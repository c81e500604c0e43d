package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rampartsec/rampart/internal/attack/core"
)

const (
	sarifSchemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	sarifVersion   = "2.1.0"
	toolName       = "rampart attack"
	informationURI = "https://github.com/rampartsec/rampart"
	// fingerprintKey names the result's partialFingerprints entry. The /v1
	// lets a later change of what is hashed start a new series instead of
	// silently matching old alerts to new findings.
	fingerprintKey = "rampartFinding/v1"
)

// WriteSARIF writes the report as a SARIF 2.1.0 log with one run: one rule
// per check (what ran, and what found something), one result per finding.
//
// Locations follow what GitHub code scanning accepts. It refuses a whole
// upload whose artifact URI has a scheme other than file ("SARIF URI scheme
// "https" did not match the checkout URI scheme "file"", codeql-action
// issue 754) and one whose result has no physical location
// ("locationFromSarifResult: expected at least one location"). So each
// result carries:
//
//   - a physicalLocation whose artifactLocation.uri is the endpoint's path
//     template as a relative URI reference ("api/items/%7Bid%7D"; a
//     whole-target finding is "(target)"), with region line 1. The template,
//     not the concrete URL, keeps the path the same from run to run and
//     across targets on ephemeral ports, which GitHub needs to track an
//     alert across analyses. It names no file in the repository, so GitHub
//     shows the alert without a source preview;
//   - a logicalLocation of kind "resource" whose fullyQualifiedName is the
//     endpoint ("GET /api/items/{id}");
//   - the full URL of the evidence in webRequest.target and properties.url;
//   - partialFingerprints: a hash of check, endpoint and parameter, so the
//     same weakness is one alert from scan to scan.
//
// The rule's properties carry "security-severity" (critical 9.5, high 8.0,
// medium 5.5, low 3.0, info 0.0), which GitHub maps back to the same
// severity names (0.0 falls below GitHub's lowest band, so an info-only
// rule shows by its level, note), and tags with the OWASP API Top 10 2023 id and the CWE.
// A check's findings may differ in severity; the rule takes the highest,
// and each result's level follows its own finding.
func WriteSARIF(w io.Writer, r *core.Report) error {
	if err := validate(r); err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(buildSARIF(r)); err != nil {
		return fmt.Errorf("writing sarif: %w", err)
	}
	return nil
}

func buildSARIF(r *core.Report) sarifLog {
	rules, index := sarifRules(r)
	results := make([]sarifResult, 0, len(r.Findings))
	for _, f := range r.Findings {
		results = append(results, sarifResultFor(f, index[f.Check]))
	}
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:           toolName,
			Version:        r.Version,
			InformationURI: informationURI,
			Rules:          rules,
		}},
		Invocations: []sarifInvocation{sarifInvocationFor(r)},
		Results:     results,
		Properties:  sarifRunProperties(r),
	}
	return sarifLog{Schema: sarifSchemaURI, Version: sarifVersion, Runs: []sarifRun{run}}
}

// sarifRules makes one rule per check id, sorted by id so that the file
// does not change with the order concurrent checks finished in. It returns
// the rules and each id's index.
func sarifRules(r *core.Report) ([]sarifRule, map[string]int) {
	runs := map[string]core.CheckRun{}
	found := map[string][]core.Finding{}
	var ids []string
	for _, c := range r.Checks {
		ids = append(ids, c.ID)
		runs[c.ID] = c
	}
	for _, f := range r.Findings {
		ids = append(ids, f.Check)
		found[f.Check] = append(found[f.Check], f)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	rules := make([]sarifRule, len(ids))
	index := make(map[string]int, len(ids))
	for i, id := range ids {
		rules[i] = sarifRuleFor(id, runs[id], found[id])
		index[id] = i
	}
	return rules, index
}

func sarifRuleFor(id string, run core.CheckRun, fs []core.Finding) sarifRule {
	title := run.Title
	if title == "" && len(fs) > 0 {
		title = fs[0].Title
	}
	if title == "" {
		title = id
	}
	var owasp []string
	var cwes []int
	var remediation []string
	worst := core.SeverityInfo
	for _, f := range fs {
		if f.OWASP != "" && !slices.Contains(owasp, f.OWASP) {
			owasp = append(owasp, f.OWASP)
		}
		if f.CWE > 0 && !slices.Contains(cwes, f.CWE) {
			cwes = append(cwes, f.CWE)
		}
		if f.Remediation != "" && !slices.Contains(remediation, f.Remediation) {
			remediation = append(remediation, f.Remediation)
		}
		worst = max(worst, f.Severity)
	}

	var full strings.Builder
	full.WriteString(sentence(title))
	for _, o := range owasp {
		fmt.Fprintf(&full, " OWASP API Security Top 10 2023: %s.", owaspName(o))
	}
	for _, c := range cwes {
		fmt.Fprintf(&full, " CWE-%d.", c)
	}
	if run.Stage != "" {
		fmt.Fprintf(&full, " Stage: %s.", run.Stage)
	}

	tags := []string{"security"}
	for _, o := range owasp {
		tags = appendUnique(tags, o)
	}
	for _, c := range cwes {
		// "CWE-n" for people; "external/cwe/cwe-n" is the form GitHub
		// code scanning recognises as a CWE reference.
		tags = appendUnique(tags, fmt.Sprintf("CWE-%d", c))
		tags = appendUnique(tags, fmt.Sprintf("external/cwe/cwe-%d", c))
	}
	props := map[string]any{"tags": tags}
	if len(fs) > 0 {
		props["security-severity"] = securitySeverity(worst)
	}
	if run.Stage != "" {
		props["stage"] = string(run.Stage)
	}

	rule := sarifRule{
		ID:               id,
		Name:             ruleName(id),
		ShortDescription: sarifText{Text: title},
		FullDescription:  sarifText{Text: full.String()},
		Help:             ruleHelp(full.String(), remediation, owasp, cwes),
		Properties:       props,
	}
	if len(owasp) > 0 {
		rule.HelpURI = owaspURL(owasp[0])
	}
	return rule
}

// ruleHelp is the rule's help: the remediation, then references. GitHub
// shows the Markdown form on the alert page.
func ruleHelp(description string, remediation, owasp []string, cwes []int) sarifText {
	var text, md strings.Builder
	text.WriteString(description)
	md.WriteString(description)
	if len(remediation) > 0 {
		text.WriteString("\n\nRemediation:")
		md.WriteString("\n\n## Remediation\n")
		for _, r := range remediation {
			text.WriteString("\n" + r)
			md.WriteString("\n" + r + "\n")
		}
	}
	if len(owasp)+len(cwes) > 0 {
		md.WriteString("\n## References\n\n")
		for _, o := range owasp {
			if u := owaspURL(o); u != "" {
				fmt.Fprintf(&md, "- [OWASP %s](%s)\n", owaspName(o), u)
			}
		}
		for _, c := range cwes {
			fmt.Fprintf(&md, "- [CWE-%d](%s)\n", c, cweURL(c))
		}
	}
	return sarifText{Text: text.String(), Markdown: md.String()}
}

func sarifResultFor(f core.Finding, ruleIndex int) sarifResult {
	endpoint := endpointName(f.Endpoint)
	msg := f.Title + " on " + endpoint
	if f.Parameter != "" {
		msg += " (" + f.Parameter + ")"
	}
	msg += "."
	switch {
	case f.Confidence != "" && f.ConfidenceReason != "":
		msg += " " + string(f.Confidence) + ": " + f.ConfidenceReason
	case f.Confidence != "":
		msg += " " + string(f.Confidence) + "."
	case f.ConfidenceReason != "":
		msg += " " + f.ConfidenceReason
	}

	props := map[string]any{
		"finding":    f.ID,
		"severity":   f.Severity.String(),
		"confidence": string(f.Confidence),
		"owasp":      f.OWASP,
		"endpoint":   endpoint,
	}
	if f.ConfidenceReason != "" {
		props["confidenceReason"] = f.ConfidenceReason
	}
	if f.CWE > 0 {
		props["cwe"] = fmt.Sprintf("CWE-%d", f.CWE)
	}
	if f.Parameter != "" {
		props["parameter"] = f.Parameter
	}
	if f.Curl != "" {
		props["curl"] = f.Curl
	}
	if len(f.Evidence) > 0 {
		props["url"] = f.Evidence[0].Request.URL
		summaries := make([]string, len(f.Evidence))
		for i, ex := range f.Evidence {
			summaries[i] = evidenceSummary(ex)
		}
		props["evidence"] = summaries
	}

	res := sarifResult{
		RuleID:    f.Check,
		RuleIndex: ruleIndex,
		Level:     sarifLevel(f.Severity),
		Message:   sarifText{Text: msg},
		Locations: []sarifLocation{{
			PhysicalLocation: sarifPhysicalLocation{
				ArtifactLocation: sarifArtifactLocation{URI: artifactURI(f.Endpoint)},
				Region:           sarifRegion{StartLine: 1},
			},
			LogicalLocations: []sarifLogicalLocation{{
				Name:               pathOf(endpoint),
				FullyQualifiedName: endpoint,
				Kind:               "resource",
			}},
		}},
		PartialFingerprints: map[string]string{fingerprintKey: fingerprint(f)},
		Properties:          props,
	}
	if len(f.Evidence) > 0 {
		res.WebRequest, res.WebResponse = sarifWeb(f.Evidence[0])
	}
	return res
}

// fingerprint identifies a weakness across scans: the same check on the
// same endpoint and parameter is the same alert, whatever the evidence,
// the finding's report id or the target's port.
func fingerprint(f core.Finding) string {
	h := sha256.New()
	for _, part := range []string{f.Check, f.Endpoint, f.Parameter} {
		// Length-prefixed, so ("a b", "c") and ("a", "b c") differ.
		fmt.Fprintf(h, "%d:%s;", len(part), part)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func sarifWeb(ex core.Exchange) (*sarifWebRequest, *sarifWebResponse) {
	req := &sarifWebRequest{
		Protocol: "HTTP",
		Target:   ex.Request.URL,
		Method:   ex.Request.Method,
		Headers:  joinHeaders(ex.Request.Header),
	}
	if ex.Request.Body != "" {
		req.Body = &sarifContent{Text: ex.Request.Body}
	}
	if ex.Response == nil {
		return req, &sarifWebResponse{NoResponseReceived: true}
	}
	resp := &sarifWebResponse{
		StatusCode: ex.Response.Status,
		Headers:    joinHeaders(ex.Response.Header),
	}
	if ex.Response.Body != "" {
		resp.Body = &sarifContent{Text: ex.Response.Body}
	}
	return req, resp
}

// joinHeaders folds repeated header fields into one comma-separated value
// (RFC 9110 §5.3), the form SARIF's string-valued header map takes.
func joinHeaders(h map[string][]string) map[string]string {
	if len(h) == 0 {
		return nil
	}
	out := make(map[string]string, len(h))
	for k, vs := range h {
		out[k] = strings.Join(vs, ", ")
	}
	return out
}

func sarifInvocationFor(r *core.Report) sarifInvocation {
	inv := sarifInvocation{
		StartTimeUTC:        sarifTime(r.Started),
		EndTimeUTC:          sarifTime(r.Finished),
		ExecutionSuccessful: r.Complete,
	}
	for _, reason := range r.Incomplete {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications,
			sarifNotification{Message: sarifText{Text: "scan incomplete: " + reason}, Level: "warning"})
	}
	if !r.Complete && len(r.Incomplete) == 0 {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications,
			sarifNotification{Message: sarifText{Text: "scan incomplete: no reason was recorded"}, Level: "warning"})
	}
	return inv
}

func sarifRunProperties(r *core.Report) map[string]any {
	counts := coverageCounts(r)
	coverage := make(map[string]int, len(coverageStates))
	for _, s := range coverageStates {
		coverage[string(s)] = counts[s]
	}
	return map[string]any{
		"target":   r.Target,
		"requests": r.Requests,
		"complete": r.Complete,
		"coverage": coverage,
	}
}

// sarifTime writes a time as SARIF wants it: UTC, ISO 8601 (§3.9). The
// zero time (not recorded) is left out.
func sarifTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// sarifLevel maps a severity to a SARIF result level: error fails a
// GitHub check run, warning and note annotate.
func sarifLevel(s core.Severity) string {
	switch {
	case s >= core.SeverityHigh:
		return "error"
	case s == core.SeverityMedium:
		return "warning"
	default:
		return "note"
	}
}

// securitySeverity is GitHub code scanning's "security-severity" score for
// a severity: GitHub reads > 9.0 as critical, 7.0–8.9 high, 4.0–6.9 medium,
// 0.1–3.9 low; each value sits inside its band, and info's 0.0 below
// them all.
func securitySeverity(s core.Severity) string {
	score := map[core.Severity]float64{
		core.SeverityCritical: 9.5, core.SeverityHigh: 8.0, core.SeverityMedium: 5.5,
		core.SeverityLow: 3.0, core.SeverityInfo: 0.0,
	}[s]
	return strconv.FormatFloat(score, 'f', 1, 64)
}

// ruleName turns a check id into the PascalCase name SARIF suggests for
// rules ("authz.bola" → "AuthzBola").
func ruleName(id string) string {
	var b strings.Builder
	upper := true
	for _, c := range id {
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
			if upper && c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			b.WriteRune(c)
			upper = false
		default:
			upper = true
		}
	}
	if b.Len() == 0 {
		return "Check"
	}
	return b.String()
}

func appendUnique(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// sentence ends s with a full stop unless it already ends a sentence.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") {
		return s
	}
	return s + "."
}
