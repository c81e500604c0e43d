package injection

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// cmdSeparators end the intended command or open a substitution, in POSIX
// shells; %s is the injected command.
var cmdSeparators = []string{";%s", "|%s", "&&%s", "$(%s)", "`%s`", "\n%s"}

func newCmdi() *technique {
	return &technique{
		id: "injection.cmdi", title: "OS command injection", owasp: core.APIInjection, cwe: 78, severity: core.SeverityCritical,
		applies:  func(p point) bool { return p.stringy() },
		skipWhy:  "no string parameter",
		perPoint: 2 + len(cmdSeparators),
		planned:  "echo of a shell-computed marker after ; | && $() `` and newline",
		test:     cmdi,
		remediation: func(p point) string {
			return "Never pass input to a shell: call the program directly with an argument list (exec.Command(name, args...)) " +
				"and validate the value against an allow-list. " + injectionGuard("cmdi", p)
		},
	}
}

// shellMarker is a command whose output only a shell can produce: the
// answer must contain prefix+sum+suffix, which the payload itself does not
// (it holds $((a+b)), not the sum), so reflecting the payload proves
// nothing.
func shellMarker() (cmd, want string) {
	a, b := 1000+rand.IntN(9000), 1000+rand.IntN(9000)
	tag := probe.RandomHex(3)
	return fmt.Sprintf("echo rmp%s$((%d+%d))x", tag, a, b), fmt.Sprintf("rmp%s%dx", tag, a+b)
}

// cmdi appends each separator with a marker command; one whose marker
// comes back is repeated with a new marker, and the payload-free control
// must not contain either.
func cmdi(ctx context.Context, t *trial) (*proof, string, error) {
	base, err := t.baseline(ctx)
	if err != nil || !answered(base) {
		return nil, "no answer", err
	}
	for _, sep := range cmdSeparators {
		cmd, want := shellMarker()
		p1 := t.pt.orig + fmt.Sprintf(sep, cmd)
		r1, err := t.try(ctx, plain(p1))
		if err != nil {
			return nil, "", err
		}
		if !answered(r1) || !strings.Contains(string(r1.Body), want) {
			continue
		}
		cmd2, want2 := shellMarker()
		r2, err := t.try(ctx, plain(t.pt.orig+fmt.Sprintf(sep, cmd2)))
		if err != nil {
			return nil, "", err
		}
		if !answered(r2) || !strings.Contains(string(r2.Body), want2) || strings.Contains(string(base.Body), want) {
			continue
		}
		return &proof{
			payload: p1,
			detail: fmt.Sprintf("the answer contains %q, which only a shell evaluating $((…)) arithmetic produces, and a second "+
				"payload with other numbers returns its own sum: the value runs as a shell command.", want),
			reason: "two payloads with different arithmetic each returned their computed marker; the payload-free control did not contain it",
			evidence: []core.Exchange{
				noted(r1, "probe: the shell computed "+want),
				noted(r2, "second probe: the shell computed "+want2),
				noted(base, "control: the payload-free request"),
			},
		}, "", nil
	}
	return nil, "no shell output", nil
}
