package injection

import (
	"context"
	"fmt"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

func newXSS() *technique {
	return &technique{
		id: "injection.xss", title: "Reflected cross-site scripting", owasp: core.APIInjection, cwe: 79, severity: core.SeverityMedium,
		applies:  func(p point) bool { return p.stringy() },
		skipWhy:  "no string parameter",
		perPoint: 3,
		planned:  "a unique <rampart-xss-…> tag, then a second one",
		test:     xss,
		remediation: func(p point) string {
			return "Escape output for its context (Go: html/template), answer JSON APIs with application/json and " +
				"X-Content-Type-Options: nosniff, and set a Content-Security-Policy. " + injectionGuard("xss", p)
		},
	}
}

// xss sends a harmless custom tag with a random name; a finding needs it
// back unescaped in a page a browser renders as HTML, a second tag with
// another name back the same way, and the payload-free control without
// either.
func xss(ctx context.Context, t *trial) (*proof, string, error) {
	base, err := t.baseline(ctx)
	if err != nil || !answered(base) {
		return nil, "no answer", err
	}
	tag1 := "<rampart-xss-" + probe.RandomHex(4) + ">"
	r1, err := t.try(ctx, plain(t.pt.orig+tag1))
	if err != nil || !answered(r1) {
		return nil, "no answer", err
	}
	if !strings.Contains(string(r1.Body), tag1) {
		return nil, "not reflected unescaped", nil
	}
	if !isHTML(r1) {
		return nil, "reflected, but not in HTML (" + r1.Header.Get("Content-Type") + ")", nil
	}
	tag2 := `"'><rampart-xss-` + probe.RandomHex(4) + `>`
	r2, err := t.try(ctx, plain(t.pt.orig+tag2))
	if err != nil || !answered(r2) || !isHTML(r2) || !strings.Contains(string(r2.Body), tag2) {
		return nil, "the second marker was not reflected", err
	}
	if strings.Contains(string(base.Body), "<rampart-xss-") {
		return nil, "the control already contains a marker", nil
	}
	return &proof{
		payload: t.pt.orig + tag1,
		detail: fmt.Sprintf("the tag %s comes back unescaped in a %s page, and a second one that also closes an attribute "+
			"(%s) does too: a link carrying <script> runs in the victim's browser with the site's origin.", tag1, r1.Header.Get("Content-Type"), tag2),
		reason: "two different markup markers were reflected unescaped in text/html; the payload-free control contains none",
		evidence: []core.Exchange{
			noted(r1, "probe: the tag is reflected unescaped"),
			noted(r2, "second probe: another tag is reflected unescaped"),
			noted(base, "control: the payload-free request"),
		},
	}, "", nil
}
