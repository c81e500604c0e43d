package core

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Do sends one request as req.Profile, within scope and budget, and records
// the exchange.
//
// On the way it: refuses (without sending) an out-of-scope URL, an unsafe
// request under --safe on an object the scan did not create, a request past
// the budget or the duration, or a request as a profile that stopped
// working; waits for the pacing; logs a login-recipe profile in on first
// use; runs the auth canaries every Config.CanaryEvery requests; after a
// 401 as a login-recipe profile logs in again and retries once; after a 429
// or 503 with Retry-After up to MaxPaceWait waits (bounded by ctx), retries
// once and slows down, unless req.NoPacing; a longer Retry-After (a lockout)
// is returned as the answer at once; answers without push-back speed the
// adaptive pace up again.
//
// A transport error (refused, reset, timeout, not HTTP) returns a Response
// whose only content is the recorded Exchange (with its Error) and the
// error; callers treat it as "no answer".
func (s *Scan) Do(ctx context.Context, req Request) (*Response, error) {
	u, err := s.resolve(req)
	if err != nil {
		return nil, err
	}
	if req.Unsafe && s.cfg.Safe && !s.Created(u.Path) {
		return nil, ErrUnsafe
	}
	var p *Profile
	if req.Profile != "" {
		if p = s.Profile(req.Profile); p == nil {
			return nil, fmt.Errorf("unknown auth profile %q", req.Profile)
		}
		if !s.ProfileWorking(p.Name) {
			return nil, fmt.Errorf("%w: %s", ErrProfileDown, p.Name)
		}
		s.noteUse(req.Check, p.Name)
		if p.recipe != nil && p.generation() == 0 {
			if err := s.ensureLogin(ctx, p); err != nil {
				return nil, err
			}
		}
	}
	s.tickCanary(ctx)

	resp, gen, err := s.attempt(ctx, req, u, p)
	if err != nil {
		return resp, err
	}
	if resp.Status == http.StatusUnauthorized && p != nil && p.recipe != nil && !p.spurious401(gen) {
		if s.relogin(ctx, p, gen) == nil {
			if again, gen2, err := s.attempt(ctx, req, u, p); err == nil {
				resp = again
				if again.Status == http.StatusUnauthorized {
					// A fresh token got 401 too: this API answers 401 for
					// refusals, not only for expired credentials. Stop
					// re-logging in on every such answer (the canary
					// still catches a token that really expires).
					p.setSpurious401(gen2)
				}
			}
		}
	}
	if !req.NoPacing && (resp.Status == http.StatusTooManyRequests || resp.Status == http.StatusServiceUnavailable) {
		wait, ok := retryAfter(resp.Header, time.Now(), s.cfg.MaxRetryWait)
		if ok && wait > MaxPaceWait {
			// A lockout (an account, a login throttle, a ban), not a pace:
			// waiting would stall the scan on one endpoint and slowing the
			// whole scan would not lift it. The refusal is the answer.
			return resp, nil
		}
		if ok || resp.Status == http.StatusTooManyRequests {
			s.slowDown()
		}
		if ok && s.sleep(ctx, wait) == nil {
			if again, _, err := s.attempt(ctx, req, u, p); err == nil {
				resp = again
			}
		}
		return resp, nil
	}
	s.calm()
	return resp, nil
}

// resolve builds the absolute URL of req and checks its scope.
func (s *Scan) resolve(req Request) (*url.URL, error) {
	raw := req.URL
	if raw == "" {
		if req.Path != "" && !strings.HasPrefix(req.Path, "/") {
			return nil, fmt.Errorf("request path %q must start with /", req.Path)
		}
		raw = strings.TrimRight(s.target.String(), "/") + req.Path
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("request URL %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("request URL %q: want http or https", raw)
	}
	if !s.scope.allowsURL(u) {
		return nil, fmt.Errorf("%w: %s", ErrOutOfScope, u.Host)
	}
	return u, nil
}

// attempt sends req once with p's current credentials; gen is the
// credentials' generation, for relogin.
func (s *Scan) attempt(ctx context.Context, req Request, u *url.URL, p *Profile) (*Response, uint64, error) {
	h := make(http.Header, len(req.Header)+2)
	for k, v := range req.Header {
		h[k] = append([]string(nil), v...)
	}
	var gen uint64
	if p != nil {
		var ph http.Header
		ph, gen = p.headerGen()
		for k, v := range ph {
			h[k] = v
		}
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	resp, err := s.roundTrip(ctx, trip{
		method: method, url: u, header: h, body: req.Body, profile: req.Profile, check: req.Check,
		timeout: req.Timeout, noPacing: req.NoPacing, follow: req.FollowRedirects, maxBody: req.MaxBody,
	})
	return resp, gen, err
}

// trip is one HTTP exchange as the transport sees it.
type trip struct {
	method   string
	url      *url.URL
	header   http.Header
	body     []byte
	profile  string
	check    string
	timeout  time.Duration
	noPacing bool
	follow   bool
	maxBody  int64
}

// roundTrip paces, counts and sends one request and reads its bounded
// answer. Every byte the scan sends goes through here.
func (s *Scan) roundTrip(ctx context.Context, t trip) (*Response, error) {
	if err := s.pace(ctx, t.noPacing); err != nil {
		return nil, err
	}
	if err := s.reserve(t.check); err != nil {
		return nil, err
	}
	rctx, cancel := s.requestContext(ctx, t.timeout)
	defer cancel()
	if t.follow {
		rctx = context.WithValue(rctx, followKey{}, t.check)
	}
	var body io.Reader
	if t.body != nil {
		body = bytes.NewReader(t.body)
	}
	hr, err := http.NewRequestWithContext(rctx, t.method, t.url.String(), body)
	if err != nil {
		return nil, fmt.Errorf("building %s %s: %w", t.method, t.url.Redacted(), err)
	}
	hr.Header = t.header
	if t.body != nil && hr.Header.Get("Content-Type") == "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	if hr.Header.Get("User-Agent") == "" {
		hr.Header.Set("User-Agent", UserAgent(t.check))
	}
	ex := Exchange{Request: HTTPRequest{Method: t.method, URL: t.url.String(), Header: redactWith(hr.Header, s.secretHeaders), Body: string(t.body), Profile: t.profile}}
	start := time.Now()
	resp, err := s.client.Do(hr)
	if err != nil {
		err = s.transportError(ctx, rctx, t, err)
		ex.Error = err.Error()
		return &Response{Exchange: ex, Duration: time.Since(start)}, err
	}
	defer resp.Body.Close()
	limit := s.cfg.MaxResponseBody
	if t.maxBody > 0 {
		limit = t.maxBody
	}
	data, readErr := io.ReadAll(io.LimitReader(resp.Body, limit))
	d := time.Since(start)
	r := &Response{Status: resp.StatusCode, Header: resp.Header, Body: data, Duration: d}
	ex.Response = &HTTPResponse{Status: resp.StatusCode, Header: Redact(resp.Header), DurationMS: float64(d.Microseconds()) / 1000}
	ex.Response.Body, ex.Response.Truncated = cut(data)
	if readErr != nil {
		readErr = fmt.Errorf("%s %s: reading the answer: %w", t.method, t.url.Redacted(), s.transportError(ctx, rctx, t, readErr))
		ex.Error = readErr.Error()
	}
	r.Exchange = ex
	return r, readErr
}

// transportError names why no (complete) answer came: the scan's deadline,
// the request's timeout, or the network error as net/http reported it.
func (s *Scan) transportError(ctx, rctx context.Context, t trip, err error) error {
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case rctx.Err() != nil && !s.deadline.IsZero() && !time.Now().Before(s.deadline):
		return ErrDeadline
	case rctx.Err() != nil:
		timeout := t.timeout
		if timeout <= 0 {
			timeout = s.cfg.Timeout
		}
		return &TimeoutError{Method: t.method, URL: t.url.Redacted(), After: timeout}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s %s: %w", t.method, t.url.Redacted(), ue.Err)
	}
	return err
}

// TimeoutError: the target did not answer within the request's timeout.
type TimeoutError struct {
	Method, URL string
	After       time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("%s %s: no answer within %s", e.Method, e.URL, e.After)
}

// Timeout marks it as a net.Error-style timeout.
func (e *TimeoutError) Timeout() bool { return true }

func cut(b []byte) (string, bool) {
	if len(b) > MaxEvidenceBody {
		return string(b[:MaxEvidenceBody]), true
	}
	return string(b), false
}

// UserAgentProduct is the User-Agent product of every request the
// simulator sends without one of its own.
const UserAgentProduct = "rampart-attack"

// UserAgent is the User-Agent of a request sent for check:
// "rampart-attack/authz.bola". Naming the check lets the target's logs (and
// a gateway's access log or Outcome) tell which check sent a request; the
// engine's own requests carry "rampart.preflight", "rampart.spec",
// "rampart.login" or "rampart.canary". Characters a product version may not
// hold (RFC 9110 §10.1.5: a token) become "_".
func UserAgent(check string) string {
	if check == "" {
		return UserAgentProduct
	}
	b := []byte(check)
	for i, c := range b {
		if !isTokenChar(c) {
			b[i] = '_'
		}
	}
	return UserAgentProduct + "/" + string(b)
}

// isTokenChar reports whether c is an RFC 9110 tchar.
func isTokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return c < 0x80 && strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
