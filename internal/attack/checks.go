package attack

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/checks/authn"
	"github.com/rampartsec/rampart/internal/attack/checks/authz"
	"github.com/rampartsec/rampart/internal/attack/checks/discovery"
	"github.com/rampartsec/rampart/internal/attack/checks/exposure"
	"github.com/rampartsec/rampart/internal/attack/checks/injection"
	"github.com/rampartsec/rampart/internal/attack/checks/ratelimit"
	"github.com/rampartsec/rampart/internal/attack/checks/recon"
	"github.com/rampartsec/rampart/internal/attack/checks/resource"
	"github.com/rampartsec/rampart/internal/attack/checks/transport"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// allChecks is every check the simulator has, one package per line. Run
// orders them by stage, so the order here only breaks ties within a stage.
func allChecks() []core.Check {
	var all []core.Check
	for _, pkg := range [][]core.Check{
		recon.Checks(),
		discovery.Checks(),
		authn.Checks(),
		ratelimit.Checks(),
		authz.Checks(),
		injection.Checks(),
		resource.Checks(),
		transport.Checks(),
		exposure.Checks(),
	} {
		all = append(all, pkg...)
	}
	return all
}

// CheckInfo describes one available check (for --checks help).
type CheckInfo struct {
	ID    string
	Stage core.Stage
	Title string
}

// AvailableChecks lists every check in run order.
func AvailableChecks() []CheckInfo {
	var out []CheckInfo
	for _, c := range inRunOrder(allChecks()) {
		out = append(out, CheckInfo{ID: c.ID(), Stage: c.Stage(), Title: c.Title()})
	}
	return out
}

// inRunOrder sorts checks by stage (core.Stages order), keeping the
// registry order within a stage. A check of an unknown stage runs last.
func inRunOrder(cs []core.Check) []core.Check {
	out := slices.Clone(cs)
	rank := func(s core.Stage) int {
		if i := slices.Index(core.Stages, s); i >= 0 {
			return i
		}
		return len(core.Stages)
	}
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i].Stage()) < rank(out[j].Stage()) })
	return out
}

// selectChecks picks the checks named by ids or stage names ("authz.bola",
// "authorization"); none means all. An unknown name is an error that lists
// the valid ones.
func selectChecks(all []core.Check, names []string) ([]core.Check, error) {
	all = inRunOrder(all)
	var wanted []string
	for _, n := range names {
		for _, part := range strings.Split(n, ",") {
			if p := strings.TrimSpace(part); p != "" {
				wanted = append(wanted, p)
			}
		}
	}
	if len(wanted) == 0 {
		return all, nil
	}
	pick := map[string]bool{}
	var unknown []string
	for _, w := range wanted {
		found := false
		for _, c := range all {
			if strings.EqualFold(c.ID(), w) || strings.EqualFold(string(c.Stage()), w) {
				pick[c.ID()], found = true, true
			}
		}
		if !found {
			unknown = append(unknown, w)
		}
	}
	if len(unknown) > 0 {
		return nil, &OptionsError{Msg: fmt.Sprintf("unknown check %s; valid checks: %s; or a stage: %s",
			strings.Join(quoteAll(unknown), ", "), strings.Join(checkIDs(all), ", "), stageNames())}
	}
	var out []core.Check
	for _, c := range all {
		if pick[c.ID()] {
			out = append(out, c)
		}
	}
	return out, nil
}

func checkIDs(cs []core.Check) []string {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID()
	}
	return ids
}

func stageNames() string {
	s := make([]string, len(core.Stages))
	for i, st := range core.Stages {
		s[i] = string(st)
	}
	return strings.Join(s, ", ")
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = fmt.Sprintf("%q", v)
	}
	return out
}
