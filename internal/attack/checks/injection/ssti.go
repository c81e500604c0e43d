package injection

import (
	"context"
	"fmt"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// sstiFamily is one template syntax with two probes and what each
// evaluates to. The probes never contain their result, so a page that
// merely reflects the input cannot match.
type sstiFamily struct {
	engines string
	probes  func() [2][2]string // {payload, result} × 2
}

// arithmetic is the classic pair: 7*191 = 1337 and 13*97 = 1261.
func arithmetic(open, close string) func() [2][2]string {
	return func() [2][2]string {
		return [2][2]string{{open + "7*191" + close, "1337"}, {open + "13*97" + close, "1261"}}
	}
}

var sstiFamilies = []sstiFamily{
	{"Jinja2, Twig, Nunjucks, Handlebars-like", arithmetic("{{", "}}")},
	{"FreeMarker, JSP EL, Thymeleaf, Velocity-like", arithmetic("${", "}")},
	{"ERB, EJS", arithmetic("<%= ", " %>")},
	{"Ruby, Java EL (#{})", arithmetic("#{", "}")},
	// Go templates have no arithmetic; print joins strings instead.
	{"Go text/template, html/template", func() [2][2]string {
		a, b := probe.RandomHex(3), probe.RandomHex(3)
		return [2][2]string{
			{fmt.Sprintf(`{{print "rmp" "%s"}}`, a), "rmp" + a},
			{fmt.Sprintf(`{{print "%s" "tpl"}}`, b), b + "tpl"},
		}
	}},
}

func newSSTI() *technique {
	return &technique{
		id: "injection.ssti", title: "Server-side template injection", owasp: core.APIInjection, cwe: 1336, severity: core.SeverityCritical,
		applies:  func(p point) bool { return p.stringy() },
		skipWhy:  "no string parameter",
		perPoint: 1 + 2*len(sstiFamilies),
		planned:  "{{7*191}}, ${13*97}, <%= %>, #{} and Go {{print}} probes",
		test:     ssti,
		remediation: func(p point) string {
			return "Pass input to templates as data, never as template source (render a fixed template with the value as a " +
				"variable). " + injectionGuard("ssti", p)
		},
	}
}

// ssti needs both probes of one family to evaluate, and the payload-free
// control not to contain either result.
func ssti(ctx context.Context, t *trial) (*proof, string, error) {
	base, err := t.baseline(ctx)
	if err != nil || !answered(base) {
		return nil, "no answer", err
	}
	for _, fam := range sstiFamilies {
		pr := fam.probes()
		if strings.Contains(string(base.Body), pr[0][1]) || strings.Contains(string(base.Body), pr[1][1]) {
			continue
		}
		r1, err := t.try(ctx, plain(t.pt.orig+pr[0][0]))
		if err != nil {
			return nil, "", err
		}
		if !answered(r1) || !strings.Contains(string(r1.Body), pr[0][1]) {
			continue
		}
		r2, err := t.try(ctx, plain(t.pt.orig+pr[1][0]))
		if err != nil {
			return nil, "", err
		}
		if !answered(r2) || !strings.Contains(string(r2.Body), pr[1][1]) {
			continue
		}
		return &proof{
			payload: t.pt.orig + pr[0][0],
			detail: fmt.Sprintf("%s came back as %s and %s as %s (%s syntax): the server renders the input as a template, "+
				"which usually leads to code execution.", pr[0][0], pr[0][1], pr[1][0], pr[1][1], fam.engines),
			reason: "two different template expressions were evaluated; the payload-free control contains neither result",
			evidence: []core.Exchange{
				noted(r1, "probe: "+pr[0][0]+" evaluated to "+pr[0][1]),
				noted(r2, "second probe: "+pr[1][0]+" evaluated to "+pr[1][1]),
				noted(base, "control: the payload-free request"),
			},
		}, "", nil
	}
	return nil, "no template expression evaluated", nil
}
