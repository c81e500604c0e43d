package redisstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/rampartsec/rampart/internal/store"
)

// parseInt reads an integer reply.
func parseInt(v any) (int64, error) {
	n, ok := v.(int64)
	if !ok {
		return 0, fmt.Errorf("unexpected reply %T, want an integer", v)
	}
	return n, nil
}

// parseDecisions reads luaGCRA's reply for n limits: {all admitted, then
// allowed, remaining, retry after ns, reset after ns per limit}. The
// summary must agree with the limits: a script that admitted while a
// limit refused (or the reverse) is a corrupt reply.
func parseDecisions(v any, n int) (store.MultiDecision, error) {
	a, ok := v.([]any)
	if !ok || len(a) != 1+4*n {
		return store.MultiDecision{}, fmt.Errorf("unexpected reply %T of %d values, want %d integers", v, len(a), 1+4*n)
	}
	all, err := parseInt(a[0])
	if err != nil {
		return store.MultiDecision{}, err
	}
	ds := make([]store.Decision, n)
	for i := range ds {
		if ds[i], err = parseDecision(a[1+4*i : 5+4*i]); err != nil {
			return store.MultiDecision{}, err
		}
	}
	md := store.NewMultiDecision(ds)
	if (all != 0 && all != 1) || md.Allowed != (all == 1) {
		return store.MultiDecision{}, fmt.Errorf("unexpected reply: admitted %d with limits %+v", all, ds)
	}
	return md, nil
}

// parseDecision reads one limit's {allowed, remaining, retry ns, reset
// ns}.
func parseDecision(a []any) (store.Decision, error) {
	var n [4]int64
	for i := range a {
		x, err := parseInt(a[i])
		if err != nil {
			return store.Decision{}, err
		}
		n[i] = x
	}
	allowed, remaining, retry, reset := n[0], n[1], n[2], n[3]
	switch {
	case allowed != 0 && allowed != 1,
		remaining < 0 || remaining > 1<<31-1,
		retry < -1, reset < 0,
		allowed == 1 && retry != 0,
		allowed == 0 && retry == 0:
		return store.Decision{}, fmt.Errorf("unexpected reply %v", n)
	}
	d := store.Decision{
		Allowed:    allowed == 1,
		Remaining:  int(remaining),
		RetryAfter: time.Duration(retry),
		ResetAfter: time.Duration(reset),
	}
	if retry == -1 {
		d.RetryAfter = store.RetryNever
	}
	return d, nil
}

// storedMark is a mark's encoding in Redis (the key is the hash field).
// Times are Unix nanoseconds; 0 is the zero time.
type storedMark struct {
	Reason string `json:"reason,omitempty"`
	Source string `json:"source,omitempty"`
	Since  int64  `json:"since,omitempty"`
	Until  int64  `json:"until"`
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}

func encodeMark(m store.Mark) (string, error) {
	b, err := json.Marshal(storedMark{Reason: m.Reason, Source: m.Source, Since: unixNano(m.Since), Until: unixNano(m.Until)})
	return string(b), err
}

// decodeMark parses a stored mark. Input comes from Redis, which anyone
// with write access can corrupt: it is validated like client input.
func decodeMark(key string, v any) (store.Mark, error) {
	s, ok := v.(string)
	if !ok {
		return store.Mark{}, fmt.Errorf("unexpected mark %T, want a string", v)
	}
	var sm storedMark
	if err := json.Unmarshal([]byte(s), &sm); err != nil {
		return store.Mark{}, fmt.Errorf("decoding mark %q: %w", key, err)
	}
	if sm.Until <= 0 {
		return store.Mark{}, errors.New("decoding mark: no until")
	}
	return store.Mark{Key: key, Reason: sm.Reason, Source: sm.Source, Since: fromUnixNano(sm.Since), Until: fromUnixNano(sm.Until)}, nil
}

// parseMarkList reads luaListMarks's {key, mark, ...} reply.
func parseMarkList(v any) ([]store.Mark, error) {
	a, ok := v.([]any)
	if !ok || len(a)%2 != 0 {
		return nil, fmt.Errorf("unexpected reply %T, want key/mark pairs", v)
	}
	out := make([]store.Mark, 0, len(a)/2)
	for i := 0; i < len(a); i += 2 {
		k, ok := a[i].(string)
		if !ok {
			return nil, fmt.Errorf("unexpected mark key %T", a[i])
		}
		m, err := decodeMark(k, a[i+1])
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}
