package core

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Adaptive pacing: a 429 (or a Retry-After) from the target halves the
// request rate, starting from adaptStart when the scan was unpaced, down to
// adaptFloor. The target is telling us we are too fast; a scanner that
// ignores that gets banned and reports noise.
//
// The pace recovers: after recoverAfter answers in a row without push-back
// it doubles, and at adaptCeiling the scan is unpaced again. A limit
// that still holds pushes back again and the pace settles around it; a
// limit on one endpoint (a login throttle) does not keep the whole scan
// slow after it.
//
// A Retry-After longer than MaxPaceWait is a lockout rather than a pace
// (an account locked for 15 minutes, a banned address): Do returns that
// answer as it came and neither waits nor slows down.
const (
	adaptStart   = 10   // requests per second after the first 429 of an unpaced scan
	adaptFloor   = 0.5  // requests per second, the slowest adaptive pace
	adaptCeiling = 1000 // requests per second at which the scan is unpaced again
	recoverAfter = 20   // answers without push-back that double the pace
)

// MaxPaceWait is the longest Retry-After the scan waits for before a retry.
const MaxPaceWait = 2 * time.Second

// Sent is the number of requests sent so far.
func (s *Scan) Sent() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent
}

// SentBy is the number of requests sent for one check id (Request.Check);
// the engine's own requests use the ids "rampart.preflight", "rampart.spec",
// "rampart.login" and "rampart.canary".
func (s *Scan) SentBy(check string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sentBy[check]
}

// Remaining is how many requests the budget still allows, or -1 when there
// is no --max-requests.
func (s *Scan) Remaining() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg.MaxRequests <= 0 {
		return -1
	}
	return max(0, s.cfg.MaxRequests-s.sent)
}

// Deadline is when --duration ends; zero when unlimited.
func (s *Scan) Deadline() time.Time { return s.deadline }

// Exhausted returns ErrBudget or ErrDeadline once no request may be sent,
// else nil. Checks call it to stop early without a failed Do.
func (s *Scan) Exhausted() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.exhaustedLocked()
}

func (s *Scan) exhaustedLocked() error {
	if s.deadlineHit || (!s.deadline.IsZero() && !time.Now().Before(s.deadline)) {
		return ErrDeadline
	}
	if s.cfg.MaxRequests > 0 && s.sent >= s.cfg.MaxRequests {
		return ErrBudget
	}
	return nil
}

// reserve counts one request against the budget, or says why it may not be
// sent.
func (s *Scan) reserve(check string) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errors.New("scan is closed")
	}
	if err := s.exhaustedLocked(); err != nil {
		s.mu.Unlock()
		return err
	}
	s.sent++
	s.sentBy[check]++
	n := s.sent
	s.mu.Unlock()
	if s.cfg.OnRequest != nil {
		s.cfg.OnRequest(check, n)
	}
	return nil
}

// pace waits for the rate limiters: --rate always, the adaptive one unless
// the request opted out. Waiting never runs past the scan's deadline.
func (s *Scan) pace(ctx context.Context, noPacing bool) error {
	if err := s.Exhausted(); err != nil {
		return err
	}
	wctx := ctx
	if !s.deadline.IsZero() {
		var cancel context.CancelFunc
		wctx, cancel = context.WithDeadline(ctx, s.deadline)
		defer cancel()
	}
	lims := []*rate.Limiter{s.userLimit}
	if !noPacing {
		lims = append(lims, s.adaptLimit)
	}
	for _, l := range lims {
		if l == nil {
			continue
		}
		if err := l.Wait(wctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// rate.Wait refuses at once when the wait would pass wctx's
			// deadline, which is the scan's: the scan is over.
			s.mu.Lock()
			s.deadlineHit = true
			s.mu.Unlock()
			return ErrDeadline
		}
	}
	return nil
}

// calm counts an answer without push-back and doubles the adaptive pace
// after recoverAfter of them in a row.
func (s *Scan) calm() {
	if s.calmRun.Add(1) < recoverAfter {
		return
	}
	s.calmRun.Store(0)
	cur := s.adaptLimit.Limit()
	if cur == rate.Inf {
		return
	}
	next := cur * 2
	if next >= adaptCeiling {
		next = rate.Inf
	}
	s.adaptLimit.SetLimit(next)
}

// slowDown halves the adaptive pace.
func (s *Scan) slowDown() {
	s.calmRun.Store(0)
	cur := s.adaptLimit.Limit()
	next := rate.Limit(adaptStart)
	if cur != rate.Inf {
		next = max(cur/2, adaptFloor)
	}
	if next != cur {
		s.adaptLimit.SetLimit(next)
		s.Logf("target pushed back (429/Retry-After): pacing at %.1f requests/s", float64(next))
	}
}

// retryAfter reads a Retry-After header (delay-seconds or an HTTP-date,
// RFC 9110 §10.2.3) and bounds it; ok is false when there is none or it is
// unreadable.
func retryAfter(h http.Header, now time.Time, limit time.Duration) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		d = limit
		if secs < int64(limit/time.Second)+1 {
			d = time.Duration(secs) * time.Second
		}
	} else if t, err := http.ParseTime(v); err == nil {
		d = max(t.Sub(now), 0)
	} else {
		return 0, false
	}
	return min(d, limit), true
}

// sleep waits d, or less when ctx ends or the scan's deadline comes first
// (then it returns an error: a retry would be refused anyway).
func (s *Scan) sleep(ctx context.Context, d time.Duration) error {
	if !s.deadline.IsZero() && time.Now().Add(d).After(s.deadline) {
		return ErrDeadline
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// requestContext bounds one request by its timeout and the scan's deadline.
func (s *Scan) requestContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout <= 0 {
		timeout = s.cfg.Timeout
	}
	end := time.Now().Add(timeout)
	if !s.deadline.IsZero() && s.deadline.Before(end) {
		end = s.deadline
	}
	return context.WithDeadline(ctx, end)
}
