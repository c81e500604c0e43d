package sampleapi

import (
	"sync"
	"time"
)

// Hardened-mode account lockout against password guessing and credential
// stuffing (CWE-307): maxLoginFailures failures within lockoutWindow lock the
// account for lockoutWindow.
const (
	maxLoginFailures = 5
	lockoutWindow    = 15 * time.Minute
)

// lockout counts failed logins per account. It is keyed by user id and only
// existing accounts fail a password check, so the map is bounded by the size
// of the users table, not by what attackers send.
type lockout struct {
	now func() time.Time

	mu    sync.Mutex
	state map[int64]failures
}

type failures struct {
	count       int
	first       time.Time // start of the counting window
	lockedUntil time.Time
}

func newLockout(now func() time.Time) *lockout {
	return &lockout{now: now, state: make(map[int64]failures)}
}

// lockedFor returns how long the account stays locked, zero if it is not.
func (l *lockout) lockedFor(id int64) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if wait := l.state[id].lockedUntil.Sub(l.now()); wait > 0 {
		return wait
	}
	return 0
}

// fail records a failed password for the account.
func (l *lockout) fail(id int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	f := l.state[id]
	if now.Sub(f.first) > lockoutWindow {
		f = failures{first: now}
	}
	f.count++
	if f.count >= maxLoginFailures {
		f = failures{first: now, lockedUntil: now.Add(lockoutWindow)}
	}
	l.state[id] = f
}

// succeed forgets the account's failures.
func (l *lockout) succeed(id int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.state, id)
}
