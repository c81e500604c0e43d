package probe

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/rampartsec/rampart/internal/attack/core"
)

// Profiles returns the names of the scan's working auth profiles, in
// configuration order.
func Profiles(s *core.Scan) []string {
	var out []string
	for _, p := range s.ProfileInfos() {
		if p.Working {
			out = append(out, p.Name)
		}
	}
	return out
}

// Privileged reports whether a profile name denotes an administrator, whose
// access to other users' data is expected.
func Privileged(profile string) bool { return strings.Contains(strings.ToLower(profile), "admin") }

// Unprivileged returns the first working profile that is not an
// administrator (conventionally "user1"), or "".
func Unprivileged(s *core.Scan) string {
	for _, p := range Profiles(s) {
		if !Privileged(p) {
			return p
		}
	}
	return ""
}

// Stopped reports whether err ends a check early: the budget or duration
// is spent, or the run was cancelled. Other errors (one refused
// connection) end only the probe that met them.
func Stopped(ctx context.Context, err error) bool {
	return ctx.Err() != nil || errors.Is(err, core.ErrBudget)
}

// Operations returns the scan's operations with the given method.
func Operations(s *core.Scan, method string) []core.Operation {
	var out []core.Operation
	for _, op := range s.Operations() {
		if strings.EqualFold(op.Method, method) {
			out = append(out, op)
		}
	}
	return out
}

// Is2xx reports a successful status.
func Is2xx(status int) bool { return status >= 200 && status < 300 }

// Refused reports an authentication or authorization refusal.
func Refused(status int) bool {
	return status == http.StatusUnauthorized || status == http.StatusForbidden
}
