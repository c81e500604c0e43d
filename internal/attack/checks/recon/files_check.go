package recon

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/checks/exposure"
	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// ExposedFilesCheck asks for files and endpoints that should not be public.
type ExposedFilesCheck struct{}

// ID implements core.Check.
func (ExposedFilesCheck) ID() string { return "recon.exposed_files" }

// Stage implements core.Check.
func (ExposedFilesCheck) Stage() core.Stage { return core.StageRecon }

// Title implements core.Check.
func (ExposedFilesCheck) Title() string { return "Exposed files, debug endpoints and API descriptions" }

// calibratedDirs bounds the directories besides the root whose not-found
// answer is learnt (/.git, /actuator, /api, /debug …).
const calibratedDirs = 6

// maxSpecBody is the response size read for an API description.
const maxSpecBody = probe.MaxSpecBytes

// Plan implements core.Check.
func (c ExposedFilesCheck) Plan(*core.Scan) []core.PlannedRequest {
	out := []core.PlannedRequest{{Endpoint: "*", Class: "random paths to learn the not-found answer (root, then per directory of a hit)",
		Count: (calibratedDirs + 1) * probe.CalibrationRequests}}
	for _, f := range exposedFiles {
		for _, p := range f.paths {
			out = append(out, core.PlannedRequest{Endpoint: "GET " + p, Class: "ask for: " + f.title, Count: 1})
		}
	}
	return out
}

// Run implements core.Check.
func (c ExposedFilesCheck) Run(ctx context.Context, s *core.Scan) error {
	calib := probe.NewCalibrator(s, c.ID(), calibratedDirs)
	if _, err := calib.For(ctx, "/"); err != nil {
		s.Cover("*", c.ID(), core.NotReached, err.Error())
		return err
	}
	for i, f := range exposedFiles {
		for j, p := range f.paths {
			key := "GET " + p
			req := core.Request{Method: "GET", Path: p, Check: c.ID()}
			if f.spec {
				req.MaxBody = maxSpecBody
			}
			resp, err := s.Do(ctx, req)
			if probe.Stopped(ctx, err) {
				notReached(s, c.ID(), i, j, err)
				return err
			}
			if err != nil || resp.Exchange.Response == nil {
				s.Cover(key, c.ID(), core.Skipped, "no answer")
				continue
			}
			if !probe.Is2xx(resp.Status) {
				s.Cover(key, c.ID(), core.Tested, "")
				continue
			}
			ok, detail := f.proves(resp.Header, resp.Body)
			if !ok {
				s.Cover(key, c.ID(), core.Tested, "")
				continue
			}
			nf, err := calib.NotFound(ctx, p, resp)
			if probe.Stopped(ctx, err) {
				notReached(s, c.ID(), i, j, err)
				return err
			}
			if err != nil || nf {
				s.Cover(key, c.ID(), core.Tested, "the answer matches the target's not-found answer")
				continue
			}
			s.Cover(key, c.ID(), core.Tested, "")
			c.report(s, f, p, detail, resp)
		}
	}
	return nil
}

func notReached(s *core.Scan, check string, i, j int, err error) {
	for ; i < len(exposedFiles); i, j = i+1, 0 {
		for _, p := range exposedFiles[i].paths[j:] {
			s.Cover("GET "+p, check, core.NotReached, err.Error())
		}
	}
}

func (c ExposedFilesCheck) report(s *core.Scan, f exposedFile, path, detail string, resp *core.Response) {
	markExposed(s, path)
	var secrets []string
	for _, m := range exposure.SensitiveData(resp.Body) {
		secrets = append(secrets, m.Value)
	}
	if f.env {
		secrets = append(secrets, envValues(resp.Body)...)
	}
	addSecrets(s, secrets...)

	ex := resp.Exchange
	if f.keep == bodyFirstLine {
		ex = keepFirstLine(ex, f.title)
	} else {
		ex = probe.MaskExchange(ex, secrets...)
	}
	ex.Note = detail
	sev := f.severity
	desc := fmt.Sprintf("GET %s answered %d with %s: the content proves it is the real thing, not a catch-all page "+
		"(the target's answer for random paths differs).", path, resp.Status, detail)
	if n := len(secrets); n > 0 {
		desc += fmt.Sprintf(" It holds %d secret-looking value(s), masked in the evidence; rotate them.", n)
		if sev < core.SeverityHigh {
			sev = core.SeverityHigh
		}
	}
	if f.spec {
		desc += c.loadSpec(s, path, resp.Body)
	}
	s.Report(core.Finding{
		Check:            c.ID(),
		Title:            f.title,
		OWASP:            core.API8Misconfig,
		CWE:              f.cwe,
		Severity:         sev,
		Confidence:       core.Firm,
		ConfidenceReason: "the content matches the file's format and differs from the target's not-found answer",
		Endpoint:         "GET " + path,
		Description:      desc,
		Evidence:         []core.Exchange{ex},
		Curl:             probe.Curl(ex.Request),
		Remediation: "Remove the file from what the server publishes, or turn the endpoint off in production. " +
			"With Rampart in front, give the API its spec with apis[].schema.undocumented: deny: every path the spec does not describe is refused before it reaches the upstream.",
	})
}

// keepFirstLine shortens a response body to its first text line: key
// files, dumps and archives must not travel in the report.
func keepFirstLine(ex core.Exchange, title string) core.Exchange {
	if ex.Response == nil {
		return ex
	}
	r := *ex.Response
	first, _, _ := strings.Cut(r.Body, "\n")
	if len(first) > 80 || !printable(first) {
		first = ""
	}
	r.Body = fmt.Sprintf("%s\n[%s: the rest of the body is not kept in the report]", first, title)
	r.Truncated = true
	ex.Response = &r
	return ex
}

func printable(s string) bool {
	return !bytes.ContainsFunc([]byte(s), func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f || r == 0xfffd })
}

// loadSpec adds a found API description's operations to the scan when the
// scan has none from a spec, and says so.
func (c ExposedFilesCheck) loadSpec(s *core.Scan, path string, body []byte) string {
	for _, op := range s.Operations() {
		if op.Source == "spec" {
			return ""
		}
	}
	sp, err := probe.SpecOperations(body)
	if err != nil {
		return ""
	}
	base := sp.BasePath
	if strings.HasSuffix(strings.TrimRight(s.Target().Path, "/"), base) {
		base = "" // the target URL already includes it
	}
	added := 0
	for _, op := range sp.Operations {
		op.Path = base + op.Path
		if s.AddOperation(op) {
			added++
		}
	}
	s.Set(SpecURLKey, path)
	return fmt.Sprintf(" No spec was given, so the scan loaded its %d operations from here.", added)
}
