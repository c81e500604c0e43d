package ban

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rampartsec/rampart/internal/pipeline"
	"github.com/rampartsec/rampart/internal/store"
)

// maxReasonLen bounds a ban's reason; longer ones are cut (a detector's
// reason may quote attacker input).
const maxReasonLen = 256

// MarkWriter, MarkDeleter and MarkLister are the parts of store.Marks the
// helpers use.
type (
	MarkWriter interface {
		PutMark(ctx context.Context, ns string, m store.Mark) error
	}
	MarkDeleter interface {
		DeleteMark(ctx context.Context, ns, key string) (bool, error)
	}
	MarkLister interface {
		ListMarks(ctx context.Context, ns string, limit int) ([]store.Mark, error)
	}
)

// Ban stores a ban, shared by every replica using the same store. m.Key is
// normalised with ParseKey; m.Since must be set (the caller's clock) and
// m.Until be after it; m.Source names who bans ("admin", "bruteforce",
// "detect"). The stored mark is returned. Guards see a new ban within their
// cache TTL (1s by default).
//
// A full namespace refuses new bans (store.ErrFull) rather than evicting
// old ones: otherwise an attacker who gets many throwaway addresses banned
// could flush out the ban that matters.
func Ban(ctx context.Context, marks MarkWriter, m store.Mark) (store.Mark, error) {
	key, err := ParseKey(m.Key)
	if err != nil {
		return store.Mark{}, fmt.Errorf("banning: %w", err)
	}
	m.Key = key
	if m.Since.IsZero() {
		return store.Mark{}, errors.New("banning: the ban's start time is not set")
	}
	if !m.Until.After(m.Since) {
		return store.Mark{}, fmt.Errorf("banning %s: end %v is not after start %v", key, m.Until, m.Since)
	}
	if m.Source == "" {
		return store.Mark{}, fmt.Errorf("banning %s: no source", key)
	}
	m.Reason = cleanReason(m.Reason)
	if err := marks.PutMark(ctx, Namespace, m); err != nil {
		return store.Mark{}, fmt.Errorf("banning %s: %w", key, err)
	}
	return m, nil
}

// Unban removes a ban and reports whether there was one. Guards stop
// refusing the key within their cache TTL, or at once for a guard whose
// Invalidate is called.
func Unban(ctx context.Context, marks MarkDeleter, key string) (bool, error) {
	k, err := ParseKey(key)
	if err != nil {
		return false, fmt.Errorf("unbanning: %w", err)
	}
	ok, err := marks.DeleteMark(ctx, Namespace, k)
	if err != nil {
		return false, fmt.Errorf("unbanning %s: %w", k, err)
	}
	return ok, nil
}

// List returns up to limit live bans.
func List(ctx context.Context, marks MarkLister, limit int) ([]store.Mark, error) {
	ms, err := marks.ListMarks(ctx, Namespace, limit)
	if err != nil {
		return nil, fmt.Errorf("listing bans: %w", err)
	}
	return ms, nil
}

// NewEvent describes a new ban as an Event. A component that bans from a
// request attaches it with pipeline.AddEvent; others hand it to their event
// sinks.
func NewEvent(m store.Mark) pipeline.Event {
	e := pipeline.Event{
		Time:     m.Since,
		Kind:     "ban",
		Severity: pipeline.SeverityHigh,
		Category: "API4:2023",
		Guard:    m.Source,
		Rule:     KindOf(m.Key),
		Message:  "client banned until " + m.Until.UTC().Format(time.RFC3339),
		Evidence: map[string]string{
			"key":    m.Key,
			"reason": m.Reason,
			"until":  m.Until.UTC().Format(time.RFC3339),
		},
	}
	if rest, ok := strings.CutPrefix(m.Key, prefixIP); ok {
		e.Client, _ = netip.ParseAddr(rest)
	}
	if rest, ok := strings.CutPrefix(m.Key, prefixSubject); ok {
		e.Subject = rest
	}
	return e
}

// cleanReason cuts a reason to maxReasonLen bytes of valid UTF-8 without
// control characters (it reaches logs and the dashboard).
func cleanReason(s string) string {
	s = strings.ToValidUTF8(s, "\ufffd")
	s = strings.Map(func(r rune) rune {
		if isControl(r) {
			return ' '
		}
		return r
	}, s)
	if len(s) <= maxReasonLen {
		return s
	}
	cut := maxReasonLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
