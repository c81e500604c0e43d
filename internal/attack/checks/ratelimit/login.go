package ratelimit

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rampartsec/rampart/internal/attack/checks/exposure"
	"github.com/rampartsec/rampart/internal/attack/checks/probe"
	"github.com/rampartsec/rampart/internal/attack/core"
)

// Scan values that tune the checks.
const (
	LoginUsernameKey = "ratelimit.login_username" // string: a throwaway account to brute-force
	LoginAttemptsKey = "ratelimit.login_attempts" // int: attempts, default DefaultLoginAttempts
	BurstKey         = "ratelimit.burst"          // int: burst size, default DefaultBurst
)

// Defaults and hard caps of the bounds.
const (
	DefaultLoginAttempts = 30
	MaxLoginAttempts     = 500
	DefaultBurst         = 60
	MaxBurst             = 1000
)

func intSetting(s *core.Scan, key string, def, max int) int {
	if v, ok := s.Get(key).(int); ok && v > 0 {
		return min(v, max)
	}
	return def
}

// LoginCheck brute-forces one account within a bound.
type LoginCheck struct{}

// ID implements core.Check.
func (LoginCheck) ID() string { return "ratelimit.login" }

// Stage implements core.Check.
func (LoginCheck) Stage() core.Stage { return core.StageRateLimit }

// Title implements core.Check.
func (LoginCheck) Title() string { return "Brute-force protection on login" }

var (
	loginPath     = regexp.MustCompile(`(?i)(login|signin|sign-in|token|auth|session)`)
	passwordField = regexp.MustCompile(`(?i)^(password|passwd|pass|pwd|secret)$`)
	userField     = regexp.MustCompile(`(?i)^(username|user|user_?name|login|email|e-?mail|account|name|client_id)$`)
	captcha       = regexp.MustCompile(`(?i)captcha`)
)

// loginTarget is the endpoint and the body to send.
type loginTarget struct {
	method, path  string
	userKey       string
	passKey       string
	template      map[string]any
	fromRecipe    bool
	endpoint      string // ledger key
	usernameGiven bool
	username      string
}

// findLogin picks the login endpoint: a profile's login recipe, else a
// spec operation tagged auth or named like one, with a password field.
func findLogin(s *core.Scan) (*loginTarget, string) {
	user, given := s.Get(LoginUsernameKey).(string)
	given = given && user != ""
	if !given {
		user = "rampart-probe-" + probe.RandomHex(6)
	}
	for _, name := range probe.Profiles(s) {
		r := s.Profile(name).LoginRecipe()
		if r == nil {
			continue
		}
		var body map[string]any
		if json.Unmarshal([]byte(r.Body), &body) != nil {
			continue
		}
		uk, pk := fieldsOf(keysOf(body))
		if uk == "" || pk == "" {
			continue
		}
		m := r.Method
		if m == "" {
			m = http.MethodPost
		}
		return &loginTarget{method: m, path: r.Path, userKey: uk, passKey: pk, template: body, fromRecipe: true,
			endpoint: m + " " + r.Path, usernameGiven: given, username: user}, ""
	}
	ops := probe.Operations(s, "POST")
	sort.SliceStable(ops, func(i, j int) bool { return hasTag(ops[i], "auth") && !hasTag(ops[j], "auth") })
	for _, op := range ops {
		if op.Body == nil || (!hasTag(op, "auth") && !loginPath.MatchString(op.Path)) || probe.HasPathParams(op) {
			continue
		}
		var names []string
		for _, f := range op.Body.Fields {
			names = append(names, f.Name)
		}
		uk, pk := fieldsOf(names)
		if uk == "" || pk == "" {
			continue
		}
		tmpl := map[string]any{}
		for k, v := range op.Body.Example {
			tmpl[k] = v
		}
		return &loginTarget{method: http.MethodPost, path: op.Path, userKey: uk, passKey: pk, template: tmpl,
			endpoint: op.Key(), usernameGiven: given, username: user}, ""
	}
	return nil, "no login endpoint: no profile login recipe and no POST operation tagged auth or named like login with a password field"
}

func hasTag(op core.Operation, tag string) bool {
	return slices.ContainsFunc(op.Tags, func(t string) bool { return strings.EqualFold(t, tag) })
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// fieldsOf picks the username and password fields among names.
func fieldsOf(names []string) (user, pass string) {
	for _, n := range names {
		switch {
		case pass == "" && passwordField.MatchString(n):
			pass = n
		case user == "" && userField.MatchString(n):
			user = n
		}
	}
	return user, pass
}

// body is one attempt's JSON body with a fresh wrong password.
func (t *loginTarget) body() []byte {
	m := make(map[string]any, len(t.template)+2)
	for k, v := range t.template {
		m[k] = v
	}
	m[t.userKey] = t.username
	m[t.passKey] = "rampart-wrong-" + probe.RandomHex(6)
	b, _ := json.Marshal(m)
	return b
}

// Plan implements core.Check.
func (c LoginCheck) Plan(s *core.Scan) []core.PlannedRequest {
	t, reason := findLogin(s)
	n := intSetting(s, LoginAttemptsKey, DefaultLoginAttempts, MaxLoginAttempts)
	if t == nil {
		return []core.PlannedRequest{{Endpoint: "*", Class: "skipped: " + reason}}
	}
	who := "a random username"
	if t.usernameGiven {
		who = "the throwaway account in ratelimit.login_username"
	}
	return []core.PlannedRequest{{Endpoint: t.endpoint, Class: "failed logins as " + who + ", stopping at the first refusal", Count: n}}
}

// throttled says why an answer is a defence, or "".
func throttled(resp *core.Response) string {
	switch {
	case resp.Status == http.StatusTooManyRequests:
		return "429 Too Many Requests"
	case resp.Status == http.StatusLocked:
		return "423 Locked"
	case resp.Header.Get("Retry-After") != "":
		return fmt.Sprintf("%d with Retry-After: %s", resp.Status, resp.Header.Get("Retry-After"))
	case captcha.Match(resp.Body):
		return fmt.Sprintf("%d asking for a CAPTCHA", resp.Status)
	}
	return ""
}

// failedLogin: the answers a wrong password gets.
func failedLogin(status int) bool {
	switch status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusUnprocessableEntity:
		return true
	}
	return false
}

// slowedDown reports a progressive delay: the last five answers took at
// least three times as long as the first five, and half a second more.
func slowedDown(d []time.Duration) (bool, string) {
	if len(d) < 10 {
		return false, ""
	}
	first, last := median(d[:5]), median(d[len(d)-5:])
	if last >= 3*first && last-first >= 500*time.Millisecond {
		return true, fmt.Sprintf("answers slowed from %s to %s (progressive delay)", first.Round(time.Millisecond), last.Round(time.Millisecond))
	}
	return false, ""
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// Run implements core.Check.
func (c LoginCheck) Run(ctx context.Context, s *core.Scan) error {
	t, reason := findLogin(s)
	if t == nil {
		s.Cover("*", c.ID(), core.Skipped, reason)
		return core.Skip(reason)
	}
	n := intSetting(s, LoginAttemptsKey, DefaultLoginAttempts, MaxLoginAttempts)
	var first, last *core.Response
	var durations []time.Duration
	start := time.Now()
	for i := 1; i <= n; i++ {
		resp, err := s.Do(ctx, core.Request{Method: t.method, Path: t.path, Body: t.body(), Check: c.ID(), NoPacing: true,
			Header: http.Header{"Content-Type": {"application/json"}}})
		if probe.Stopped(ctx, err) {
			s.Cover(t.endpoint, c.ID(), core.NotReached, fmt.Sprintf("stopped after %d attempts: %v", i-1, err))
			return err
		}
		if err != nil {
			s.Cover(t.endpoint, c.ID(), core.Skipped, fmt.Sprintf("attempt %d got no answer", i))
			return nil
		}
		if why := throttled(resp); why != "" {
			s.Cover(t.endpoint, c.ID(), core.Tested, fmt.Sprintf("defended: attempt %d got %s", i, why))
			return nil
		}
		if !failedLogin(resp.Status) {
			s.Cover(t.endpoint, c.ID(), core.Skipped, fmt.Sprintf("attempt %d got %d, not a failed login: is %s the login endpoint?", i, resp.Status, t.endpoint))
			return nil
		}
		if first == nil {
			first = resp
		}
		last = resp
		durations = append(durations, resp.Duration)
	}
	if slow, why := slowedDown(durations); slow {
		s.Cover(t.endpoint, c.ID(), core.Tested, "defended: "+why)
		return nil
	}
	elapsed := time.Since(start)
	s.Cover(t.endpoint, c.ID(), core.Tested, fmt.Sprintf("%d failed logins in %s, none refused or slowed", n, elapsed.Round(time.Millisecond)))
	s.Report(c.finding(t, n, elapsed, first, last))
	return nil
}

func (c LoginCheck) finding(t *loginTarget, n int, elapsed time.Duration, first, last *core.Response) core.Finding {
	fx, lx := first.Exchange, last.Exchange
	fx.Note = "attempt 1"
	lx.Note = fmt.Sprintf("attempt %d: answered like the first", n)
	sev := core.SeverityHigh
	desc := fmt.Sprintf("%d logins with wrong passwords for the account %q in %s were all answered %d: no 429, no lock-out, no Retry-After, no CAPTCHA, no slowdown. "+
		"Nothing stops an attacker guessing this account's password.", n, t.username, elapsed.Round(time.Millisecond), last.Status)
	if !t.usernameGiven {
		sev = core.SeverityMedium
		desc = fmt.Sprintf("%d logins with wrong passwords from this client in %s were all answered %d: no 429, no Retry-After, no CAPTCHA, no slowdown. "+
			"They used a random username (the scan never risks its own accounts), so this shows that nothing limits failed logins per client: "+
			"credential stuffing and password spraying across accounts go unhindered. Whether a real account locks was not tested: "+
			"name a throwaway account in ratelimit.login_username to test it.", n, elapsed.Round(time.Millisecond), last.Status)
	}
	return core.Finding{
		Check:            c.ID(),
		Title:            "No brute-force protection on login",
		OWASP:            core.API2Authn,
		CWE:              307,
		Severity:         sev,
		Confidence:       core.Firm,
		ConfidenceReason: fmt.Sprintf("all %d failed attempts were answered alike, with no throttling signal", n),
		Endpoint:         t.endpoint,
		Description:      desc,
		Evidence:         exposure.MaskEvidence(fx, lx),
		Curl:             probe.Curl(fx.Request),
		Remediation: "Count failed logins per account and per client and slow down, then lock out. With Rampart in front, mark the route as a credential route " +
			"(apis[].routes[].credential) and tune bruteforce (account.delay_after, account.lock_after, ip, stuffing); add a rate_limits policy keyed by ip on it.",
	}
}
