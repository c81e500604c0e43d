package authn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// errTooSoon: a fetch was wanted but the last one is too recent.
var errTooSoon = errors.New("jwks fetched too recently")

// jwksSource keeps one issuer's JWK Set: fetched at start, refreshed in the
// background, and re-fetched when a token names an unknown kid (a key the
// identity provider just rotated in). Re-fetches are single-flight and at
// most one per minInterval, so a flood of tokens with made-up kids costs
// the identity provider one request per interval. A failed fetch keeps the
// last good keys.
type jwksSource struct {
	issuer      string
	url         string
	client      *http.Client
	refresh     time.Duration
	minInterval time.Duration
	timeout     time.Duration
	maxBytes    int64
	now         func() time.Time
	log         *slog.Logger
	hook        func(issuer string, keys int, err error)
	ctx         context.Context // ends with the Authenticator

	keys atomic.Pointer[keySet]

	mu          sync.Mutex
	lastAttempt time.Time
	lastErr     error
	inflight    chan struct{}
}

// lookup returns the keys for kid (all keys when the token has none). On a
// miss it joins or starts a re-fetch, if one is allowed now, and waits for
// it no longer than ctx allows.
// The set the keys came from is returned too: a verified-token cache entry
// is good only while that set is current.
func (s *jwksSource) lookup(ctx context.Context, kid string, hasKID bool) ([]verificationKey, *keySet, *failure) {
	ks := s.keys.Load()
	if keys := ks.lookup(kid, hasKID); len(keys) > 0 {
		return keys, ks, nil
	}
	if err := s.refetch(ctx, false); err == nil {
		ks = s.keys.Load()
		if keys := ks.lookup(kid, hasKID); len(keys) > 0 {
			return keys, ks, nil
		}
	}
	if ks == nil {
		// Never fetched: refuse rather than guess.
		return nil, nil, fail(RuleJWTKeysUnavailable, fmt.Errorf("issuer %q: no keys fetched from %s yet: %w", s.issuer, s.url, s.err()))
	}
	return nil, nil, fail(RuleJWTUnknownKID, fmt.Errorf("issuer %q has no key %q", s.issuer, kid))
}

func (s *jwksSource) err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lastErr == nil {
		return errTooSoon
	}
	return s.lastErr
}

// refetch starts a fetch (unless one runs, or, without force, the last
// attempt is younger than minInterval) and waits for it or for ctx.
func (s *jwksSource) refetch(ctx context.Context, force bool) error {
	s.mu.Lock()
	ch := s.inflight
	if ch == nil {
		if s.ctx.Err() != nil {
			s.mu.Unlock()
			return s.ctx.Err()
		}
		if !force && !s.lastAttempt.IsZero() && s.now().Sub(s.lastAttempt) < s.minInterval {
			s.mu.Unlock()
			return errTooSoon
		}
		ch = make(chan struct{})
		s.inflight = ch
		s.lastAttempt = s.now()
		// The fetch runs on its own goroutine and context: a client that
		// goes away must not abort the fetch other requests wait for.
		go s.fetchInto(ch)
	}
	s.mu.Unlock()
	select {
	case <-ch:
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.lastErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *jwksSource) fetchInto(done chan struct{}) {
	ks, err := s.fetch()
	n := 0
	if err == nil {
		n = len(ks.all)
		s.keys.Store(ks)
	} else {
		s.log.Warn("jwks fetch failed; keeping the last good keys", slog.String("issuer", s.issuer),
			slog.String("url", s.url), slog.Bool("have_keys", s.keys.Load() != nil), slog.Any("error", err))
	}
	s.mu.Lock()
	s.lastErr = err
	s.inflight = nil
	s.mu.Unlock()
	close(done)
	if s.hook != nil {
		s.hook(s.issuer, n, err)
	}
}

// fetch downloads and parses the JWK Set. Keys that cannot be used (an
// unsupported type, "use":"enc", a weak RSA key, a secret) are skipped and
// logged; a set without one usable key is a failure, so the last good set
// stays in use.
func (s *jwksSource) fetch() (*keySet, error) {
	ctx, cancel := context.WithTimeout(s.ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, fmt.Errorf("building jwks request: %w", err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching jwks from %s: %w", s.url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching jwks from %s: status %d", s.url, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, s.maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading jwks from %s: %w", s.url, err)
	}
	if int64(len(body)) > s.maxBytes {
		return nil, fmt.Errorf("jwks from %s exceeds %d bytes", s.url, s.maxBytes)
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("parsing jwks from %s: %w", s.url, err)
	}
	keys := make([]verificationKey, 0, len(set.Keys))
	for _, raw := range set.Keys {
		k, err := parseJWK(raw, false)
		if err != nil {
			s.log.Warn("skipping unusable jwks key", slog.String("issuer", s.issuer), slog.Any("error", err))
			continue
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("jwks from %s holds no usable key", s.url)
	}
	return newKeySet(keys), nil
}

// run refreshes in the background until the Authenticator closes: every
// refresh interval, or every minInterval while fetches fail.
func (s *jwksSource) run(wg *sync.WaitGroup, fetchFirst bool) {
	defer wg.Done()
	if fetchFirst {
		_ = s.refetch(s.ctx, true)
	}
	for {
		wait := s.refresh
		s.mu.Lock()
		if s.lastErr != nil {
			wait = s.minInterval
		}
		s.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-s.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		_ = s.refetch(s.ctx, true)
	}
}
