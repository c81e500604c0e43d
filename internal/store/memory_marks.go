package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Bounds on a mark's fields, so a stored mark has a bounded size whatever
// produced it (a revoked token id comes from a client's token).
const (
	MaxMarkKeyLen    = 1024
	MaxMarkReasonLen = 1024
	MaxMarkSourceLen = 64
	MaxNamespaceLen  = 64
)

// CheckMark validates a mark and its namespace. Namespaces are chosen by
// code: non-empty, at most MaxNamespaceLen bytes, without braces (Redis
// uses the namespace as a cluster hash tag).
func CheckMark(ns string, m Mark) error {
	if err := CheckNamespace(ns); err != nil {
		return err
	}
	switch {
	case m.Key == "":
		return errors.New("invalid mark: empty key")
	case len(m.Key) > MaxMarkKeyLen:
		return fmt.Errorf("invalid mark: key longer than %d bytes", MaxMarkKeyLen)
	case len(m.Reason) > MaxMarkReasonLen:
		return fmt.Errorf("invalid mark: reason longer than %d bytes", MaxMarkReasonLen)
	case len(m.Source) > MaxMarkSourceLen:
		return fmt.Errorf("invalid mark: source longer than %d bytes", MaxMarkSourceLen)
	case m.Until.IsZero():
		return errors.New("invalid mark: until is required (marks always expire)")
	}
	return nil
}

// CheckNamespace validates a mark namespace.
func CheckNamespace(ns string) error {
	if ns == "" || len(ns) > MaxNamespaceLen || strings.ContainsAny(ns, "{}") {
		return fmt.Errorf("invalid mark namespace %q: 1 to %d bytes, no braces", ns, MaxNamespaceLen)
	}
	return nil
}

// markNamespaces holds the marks of each namespace.
type markNamespaces struct {
	perNamespace int
	mu           sync.Mutex // guards creating namespaces
	spaces       sync.Map   // string -> *markSpace
	count        int        // namespaces, guarded by mu
}

// markSpace is one namespace: a map under a read-write lock. Marks are
// read on every request (the ban check) and written rarely, so reads
// share the lock and only writes take it; expired marks are skipped by
// reads and swept by writes when the namespace is full. Unlike the other
// tables it is not sharded, so its bound is exact.
type markSpace struct {
	mu    sync.RWMutex
	marks map[string]Mark
}

// space returns ns's marks, creating them unless create is false.
func (n *markNamespaces) space(ns string, create bool) (*markSpace, error) {
	if sp, ok := n.spaces.Load(ns); ok {
		return sp.(*markSpace), nil
	}
	if !create {
		return nil, nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if sp, ok := n.spaces.Load(ns); ok {
		return sp.(*markSpace), nil
	}
	if n.count >= maxNamespaces {
		return nil, fmt.Errorf("mark namespace %q: more than %d namespaces", ns, maxNamespaces)
	}
	sp := &markSpace{marks: make(map[string]Mark)}
	n.spaces.Store(ns, sp)
	n.count++
	return sp, nil
}

func (n *markNamespaces) len() int {
	total := 0
	n.spaces.Range(func(_, sp any) bool {
		s := sp.(*markSpace)
		s.mu.RLock()
		total += len(s.marks)
		s.mu.RUnlock()
		return true
	})
	return total
}

// PutMark stores m, replacing any mark with the same key. A mark whose
// Until has passed deletes the key's mark instead. A new key in a full
// namespace gets ErrFull.
func (m *Memory) PutMark(_ context.Context, ns string, mk Mark) error {
	if err := CheckMark(ns, mk); err != nil {
		return err
	}
	sp, err := m.marks.space(ns, true)
	if err != nil {
		return err
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	now := m.now()
	if !mk.Until.After(now) {
		delete(sp.marks, mk.Key)
		return nil
	}
	if _, ok := sp.marks[mk.Key]; !ok && len(sp.marks) >= m.marks.perNamespace {
		for k, old := range sp.marks {
			if !old.Until.After(now) {
				delete(sp.marks, k)
			}
		}
		if len(sp.marks) >= m.marks.perNamespace {
			return fmt.Errorf("putting mark in %q: %w (%d live marks)", ns, ErrFull, m.marks.perNamespace)
		}
	}
	sp.marks[mk.Key] = mk
	return nil
}

// GetMark returns key's live mark in ns.
func (m *Memory) GetMark(_ context.Context, ns, key string) (Mark, bool, error) {
	if err := CheckNamespace(ns); err != nil {
		return Mark{}, false, err
	}
	sp, _ := m.marks.space(ns, false)
	if sp == nil {
		return Mark{}, false, nil
	}
	sp.mu.RLock()
	mk, ok := sp.marks[key]
	sp.mu.RUnlock()
	if !ok || !mk.Until.After(m.now()) {
		return Mark{}, false, nil
	}
	return mk, true, nil
}

// GetMarks appends each key's live mark in ns (or not found) to dst,
// reading the namespace under one lock.
func (m *Memory) GetMarks(_ context.Context, ns string, keys []string, dst []MarkResult) ([]MarkResult, error) {
	if err := CheckNamespace(ns); err != nil {
		return dst, err
	}
	sp, _ := m.marks.space(ns, false)
	if sp == nil {
		for range keys {
			dst = append(dst, MarkResult{})
		}
		return dst, nil
	}
	now := m.now()
	sp.mu.RLock()
	defer sp.mu.RUnlock()
	for _, key := range keys {
		mk, ok := sp.marks[key]
		if !ok || !mk.Until.After(now) {
			dst = append(dst, MarkResult{})
			continue
		}
		dst = append(dst, MarkResult{Mark: mk, Found: true})
	}
	return dst, nil
}

// DeleteMark deletes key's mark and reports whether a live one was there.
func (m *Memory) DeleteMark(_ context.Context, ns, key string) (bool, error) {
	if err := CheckNamespace(ns); err != nil {
		return false, err
	}
	sp, _ := m.marks.space(ns, false)
	if sp == nil {
		return false, nil
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	mk, ok := sp.marks[key]
	delete(sp.marks, key)
	return ok && mk.Until.After(m.now()), nil
}

// ListMarks returns up to limit live marks of ns (all of them when limit
// <= 0), latest Until first, ties by Key descending: the order both
// backends share.
func (m *Memory) ListMarks(_ context.Context, ns string, limit int) ([]Mark, error) {
	if err := CheckNamespace(ns); err != nil {
		return nil, err
	}
	sp, _ := m.marks.space(ns, false)
	if sp == nil {
		return nil, nil
	}
	now := m.now()
	var out []Mark
	sp.mu.RLock()
	for _, mk := range sp.marks {
		if mk.Until.After(now) {
			out = append(out, mk)
		}
	}
	sp.mu.RUnlock()
	SortMarks(out)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// SortMarks orders marks as ListMarks returns them: latest Until first,
// ties by Key descending.
func SortMarks(ms []Mark) {
	slices.SortFunc(ms, func(a, b Mark) int {
		if c := b.Until.Compare(a.Until); c != 0 {
			return c
		}
		return cmp.Compare(b.Key, a.Key)
	})
}
