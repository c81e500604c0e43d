package injection

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/core"
)

// traversalTarget is a file whose content is recognisable, with ways to
// reach it from a directory an API serves.
type traversalTarget struct {
	file     string
	sig      *regexp.Regexp
	payloads []string
}

// traversalTargets: the Unix password file, the Windows win.ini, and the
// fake secret Rampart's sample API plants beside its documents directory
// (so that the demo proves traversal without touching a real file). The
// percent-encoded forms reach servers that decode the value a second time;
// "....//" survives filters that strip "../" once.
var traversalTargets = []traversalTarget{
	{"the Rampart sample API's planted secret", regexp.MustCompile(`RAMPART_SAMPLE_SECRET=`), []string{
		"../private/secret.txt", "..%2fprivate%2fsecret.txt", "./../private/./secret.txt", "....//private/secret.txt",
	}},
	{"/etc/passwd", regexp.MustCompile(`root:[^:\n]*:0:0:`), []string{
		strings.Repeat("../", 10) + "etc/passwd", strings.Repeat("..%2f", 10) + "etc%2fpasswd",
		strings.Repeat("....//", 10) + "etc/passwd", "/etc/passwd",
	}},
	{"win.ini", regexp.MustCompile(`(?i)\[fonts\]|; for 16-bit app support`), []string{
		strings.Repeat(`..\`, 10) + `windows\win.ini`, strings.Repeat("../", 10) + "windows/win.ini", `C:\windows\win.ini`,
	}},
}

// fileWords mark parameters that name files.
var fileWords = regexp.MustCompile(`(?i)file|path|doc|template|page|include|dir|folder|download|attachment|image|img|resource|name$`)

// looksLikeFile: an example value with an extension or a slash.
var looksLikeFile = regexp.MustCompile(`^[\w./\\-]*(\.[A-Za-z0-9]{1,5}|/[\w.-]+)$`)

func newTraversal() *technique {
	per := 1
	for _, tg := range traversalTargets {
		per += len(tg.payloads)
	}
	return &technique{
		id: "injection.traversal", title: "Path traversal", owasp: core.APIInjection, cwe: 22, severity: core.SeverityHigh,
		applies: func(p point) bool {
			return p.stringy() && (looksLikeFile.MatchString(p.orig) || (fileWords.MatchString(p.name) && p.in != "body"))
		},
		skipWhy:  "no parameter that names a file",
		perPoint: per,
		planned:  "../ sequences and encodings towards /etc/passwd, win.ini and the sample API's planted secret",
		test:     traversal,
		remediation: func(p point) string {
			return "Resolve names against an allow-list, or join them to the base directory and refuse any result outside it " +
				"(Go: os.Root; never decode twice). " + injectionGuard("traversal", p)
		},
	}
}

// traversal tries each target's payloads until one shows its signature,
// then needs a second, different payload to show it too; the payload-free
// control must not.
func traversal(ctx context.Context, t *trial) (*proof, string, error) {
	base, err := t.baseline(ctx)
	if err != nil || !answered(base) {
		return nil, "no answer", err
	}
	for _, tg := range traversalTargets {
		if tg.sig.Match(base.Body) {
			continue // the page shows the signature anyway; it proves nothing here
		}
		var hits []*core.Response
		var used []string
		for _, pl := range tg.payloads {
			r, err := t.try(ctx, plain(pl))
			if err != nil {
				return nil, "", err
			}
			if answered(r) && tg.sig.Match(r.Body) {
				hits = append(hits, r)
				used = append(used, pl)
				if len(hits) == 2 {
					break
				}
			}
		}
		if len(hits) < 2 {
			continue
		}
		m := tg.sig.Find(hits[0].Body)
		return &proof{
			payload: used[0],
			detail: fmt.Sprintf("the value %q returns %s (it contains %q), and %q returns it too; the usual value does not: "+
				"the input is used as a file path without confinement.", used[0], tg.file, string(m), used[1]),
			reason: "two different traversal payloads returned the file's signature; the payload-free control did not",
			evidence: []core.Exchange{
				noted(hits[0], "probe: "+tg.file+" is served"),
				noted(hits[1], "second probe: another encoding serves it too"),
				noted(base, "control: the payload-free request"),
			},
		}, "", nil
	}
	return nil, "no file outside the served directory was reached", nil
}
