package redisstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/rampartsec/rampart/internal/store"
)

// PutMark stores m in ns, in one round trip. A mark whose Until has
// passed deletes the key's mark; a new key in a full namespace gets
// store.ErrFull.
func (s *Store) PutMark(ctx context.Context, ns string, m store.Mark) error {
	if err := store.CheckMark(ns, m); err != nil {
		return err
	}
	enc, err := encodeMark(m)
	if err != nil {
		return fmt.Errorf("encoding mark: %w", err)
	}
	// Expiry in whole microseconds, rounded up: a mark never ends early.
	until := (m.Until.UnixNano() + 999) / 1000
	v, err := s.run(ctx, s.scripts.putMark, s.markKeys(ns), s.clock(), m.Key, enc, until, s.maxMarks)
	if err != nil {
		return s.fail("put mark", ctx, err)
	}
	switch r, err := parseInt(v); {
	case err != nil:
		return fmt.Errorf("redis put mark: %w", err)
	case r == -1:
		return fmt.Errorf("putting mark in %q: %w (%d live marks)", ns, store.ErrFull, s.maxMarks)
	case r != 0 && r != 1:
		return fmt.Errorf("redis put mark: unexpected reply %d", r)
	}
	return nil
}

// GetMark returns key's live mark in ns, in one round trip.
func (s *Store) GetMark(ctx context.Context, ns, key string) (store.Mark, bool, error) {
	if err := store.CheckNamespace(ns); err != nil {
		return store.Mark{}, false, err
	}
	v, err := s.run(ctx, s.scripts.getMark, s.markKeys(ns), s.clock(), key)
	if errors.Is(err, redis.Nil) {
		return store.Mark{}, false, nil
	}
	if err != nil {
		return store.Mark{}, false, s.fail("get mark", ctx, err)
	}
	m, err := decodeMark(key, v)
	if err != nil {
		return store.Mark{}, false, fmt.Errorf("redis get mark: %w", err)
	}
	return m, true, nil
}

// GetMarks appends each key's live mark in ns to dst, in one round trip
// however many keys (one script; the namespace's keys share a hash tag).
// A corrupt stored mark is that key's Err, as GetMark would fail for it
// alone.
func (s *Store) GetMarks(ctx context.Context, ns string, keys []string, dst []store.MarkResult) ([]store.MarkResult, error) {
	if err := store.CheckNamespace(ns); err != nil {
		return dst, err
	}
	if len(keys) == 0 {
		return dst, nil
	}
	args := make([]any, 1+len(keys))
	args[0] = s.clock()
	for i, k := range keys {
		args[1+i] = k
	}
	v, err := s.run(ctx, s.scripts.getMarks, s.markKeys(ns), args...)
	if err != nil {
		return dst, s.fail("get marks", ctx, err)
	}
	vals, ok := v.([]any)
	if !ok || len(vals) != len(keys) {
		return dst, fmt.Errorf("redis get marks: unexpected reply %T of %d values, want %d", v, len(vals), len(keys))
	}
	for i, val := range vals {
		if val == nil {
			dst = append(dst, store.MarkResult{})
			continue
		}
		m, err := decodeMark(keys[i], val)
		if err != nil {
			dst = append(dst, store.MarkResult{Err: fmt.Errorf("redis get marks: %w", err)})
			continue
		}
		dst = append(dst, store.MarkResult{Mark: m, Found: true})
	}
	return dst, nil
}

// DeleteMark deletes key's mark in ns and reports whether a live one was
// there.
func (s *Store) DeleteMark(ctx context.Context, ns, key string) (bool, error) {
	if err := store.CheckNamespace(ns); err != nil {
		return false, err
	}
	v, err := s.run(ctx, s.scripts.deleteMark, s.markKeys(ns), s.clock(), key)
	if err != nil {
		return false, s.fail("delete mark", ctx, err)
	}
	r, err := parseInt(v)
	if err != nil || (r != 0 && r != 1) {
		return false, fmt.Errorf("redis delete mark: unexpected reply %v", v)
	}
	return r == 1, nil
}

// ListMarks returns up to limit live marks of ns (all when limit <= 0),
// latest Until first, ties by Key descending.
func (s *Store) ListMarks(ctx context.Context, ns string, limit int) ([]store.Mark, error) {
	if err := store.CheckNamespace(ns); err != nil {
		return nil, err
	}
	v, err := s.run(ctx, s.scripts.listMarks, s.markKeys(ns), s.clock(), max(limit, 0))
	if err != nil {
		return nil, s.fail("list marks", ctx, err)
	}
	ms, err := parseMarkList(v)
	if err != nil {
		return nil, fmt.Errorf("redis list marks: %w", err)
	}
	return ms, nil
}
