package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// maxTokenLen bounds a token read from a login answer.
const maxTokenLen = 16 << 10

// withDefaults checks a recipe and fills its defaults.
func (r LoginRecipe) withDefaults() (LoginRecipe, error) {
	if r.Method == "" {
		r.Method = http.MethodPost
	}
	r.Method = strings.ToUpper(r.Method)
	if !strings.HasPrefix(r.Path, "/") {
		return r, fmt.Errorf("login path %q must start with /", r.Path)
	}
	if r.TokenPointer != "" && !strings.HasPrefix(r.TokenPointer, "/") {
		return r, fmt.Errorf("token pointer %q must start with / (RFC 6901)", r.TokenPointer)
	}
	if r.Header == "" {
		r.Header = "Authorization"
	}
	if r.Scheme == "" && http.CanonicalHeaderKey(r.Header) == "Authorization" {
		r.Scheme = "Bearer"
	}
	return r, nil
}

// step names the login request: "POST /api/login".
func (r *LoginRecipe) step() string { return r.Method + " " + r.Path }

// LoginError says which profile could not log in, at which step and why.
// It never carries the credentials or the answer's body.
type LoginError struct {
	Profile string
	Step    string // "POST /api/login"
	Status  int    // the answer's status; 0 when none came
	Reason  string // "answered 401", "no string at /token in the answer", a transport error
	Err     error  // the underlying error, if any (ErrBudget, a transport error)
}

func (e *LoginError) Error() string {
	return fmt.Sprintf("auth profile %s: login %s: %s", e.Profile, e.Step, e.Reason)
}

func (e *LoginError) Unwrap() error { return e.Err }

// refused reports whether the target answered and said no, as opposed to
// not answering (then the credentials may still be good).
func (e *LoginError) refused() bool { return e.Status != 0 }

// Login logs every profile with a login recipe in and runs every profile's
// canary once, so that the scan starts from proven credentials. A profile
// that fails is marked not working (see ProfileWorking); the error joins
// one *LoginError or canary error per failed profile. The engine calls it
// before the first check; Do logs a profile in on first use otherwise.
func (s *Scan) Login(ctx context.Context) error {
	s.mu.Lock()
	names := append([]string(nil), s.profOrder...)
	s.mu.Unlock()
	var errs []error
	for _, name := range names {
		p := s.Profile(name)
		if p.recipe != nil {
			if err := s.ensureLogin(ctx, p); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		if p.canary != "" {
			if err := s.probeProfile(ctx, p, "at start"); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// ensureLogin logs p in unless another request already did.
func (s *Scan) ensureLogin(ctx context.Context, p *Profile) error {
	p.loginMu.Lock()
	defer p.loginMu.Unlock()
	if p.generation() != 0 {
		return nil
	}
	err := s.login(ctx, p)
	var le *LoginError
	if errors.As(err, &le) && le.refused() {
		s.markDown(p, err.Error())
	}
	return err
}

// relogin replaces p's token after a 401 seen with generation seen; when
// another request has refreshed it since, it only returns.
func (s *Scan) relogin(ctx context.Context, p *Profile, seen uint64) error {
	p.loginMu.Lock()
	defer p.loginMu.Unlock()
	if p.generation() != seen {
		return nil
	}
	err := s.login(ctx, p)
	var le *LoginError
	if errors.As(err, &le) && le.refused() {
		s.markDown(p, "re-login after a 401 failed: "+err.Error())
	}
	return err
}

// login runs p's recipe and installs the token. Hold p.loginMu.
func (s *Scan) login(ctx context.Context, p *Profile) error {
	r := p.recipe
	fail := func(status int, reason string, err error) error {
		return &LoginError{Profile: p.Name, Step: r.step(), Status: status, Reason: reason, Err: err}
	}
	u, err := s.resolve(Request{Path: r.Path})
	if err != nil {
		return fail(0, err.Error(), err)
	}
	h := http.Header{"Accept": {"application/json"}}
	var body []byte
	if r.Body != "" {
		body = []byte(r.Body)
		h.Set("Content-Type", "application/json")
	}
	resp, err := s.roundTrip(ctx, trip{method: r.Method, url: u, header: h, body: body, check: "rampart.login"})
	if err != nil {
		return fail(0, err.Error(), err)
	}
	if resp.Status < 200 || resp.Status > 299 {
		return fail(resp.Status, fmt.Sprintf("answered %d %s", resp.Status, http.StatusText(resp.Status)), nil)
	}
	tok, err := tokenAt(resp.Body, r.TokenPointer)
	if err != nil {
		return fail(resp.Status, fmt.Sprintf("answered %d but %v", resp.Status, err), nil)
	}
	p.SetToken(r.Header, r.Scheme, tok)
	s.mu.Lock()
	p.lastGood = s.sent
	if p.detail == "" {
		p.detail = "logged in via " + r.step()
	}
	s.mu.Unlock()
	return nil
}

// tokenAt reads the string (or number) at an RFC 6901 pointer in a JSON
// document; the empty pointer is the whole document.
func tokenAt(doc []byte, pointer string) (string, error) {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return "", errors.New("the answer is not JSON")
	}
	where := pointer
	if where == "" {
		where = "the root"
	}
	if pointer != "" {
		for _, tok := range strings.Split(pointer[1:], "/") {
			tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
			switch c := v.(type) {
			case map[string]any:
				next, ok := c[tok]
				if !ok {
					return "", fmt.Errorf("nothing at %s in the answer", where)
				}
				v = next
			case []any:
				i, err := strconv.Atoi(tok)
				if err != nil || i < 0 || i >= len(c) {
					return "", fmt.Errorf("nothing at %s in the answer", where)
				}
				v = c[i]
			default:
				return "", fmt.Errorf("nothing at %s in the answer", where)
			}
		}
	}
	var tok string
	switch t := v.(type) {
	case string:
		tok = t
	case float64:
		tok = strconv.FormatFloat(t, 'f', -1, 64)
	default:
		return "", fmt.Errorf("no string at %s in the answer", where)
	}
	if tok == "" || len(tok) > maxTokenLen || strings.ContainsAny(tok, "\r\n") {
		return "", fmt.Errorf("no usable token at %s in the answer", where)
	}
	return tok, nil
}
