package inspect

import (
	"bytes"
	"fmt"
	"hash/maphash"
)

// Duplicate keys are found per object in linear time. The keys of every
// open object are kept on one stack (jsonWalker.keys) with their hash; an
// object's keys are dropped when it closes. Small objects, the common
// case, are searched linearly. An object that grows past linearKeys gets
// a hash index (a map from hash to the latest key with that hash, keys
// with equal hashes chained), reused by the next large object at the same
// depth, so 1000 keys cost 1000 map operations, not 500,000 comparisons.

// linearKeys is the size up to which an object's keys are searched
// linearly: comparing a few hashes beats a map.
const linearKeys = 16

// keySeed is random per process, so nobody can choose keys that collide.
// Collisions would cost time, not correctness: equal hashes are compared.
var keySeed = maphash.MakeSeed()

// keyRef locates one key: in the body when it has no escapes, else in
// jsonWalker.keyBytes, unescaped. hash is set once the object is indexed.
type keyRef struct {
	hash      uint64
	off, n    int
	next      int32 // index of the previous key with the same hash, or -1
	unescaped bool
}

func (w *jsonWalker) keyAt(k *keyRef) []byte {
	if k.unescaped {
		return w.keyBytes[k.off : k.off+k.n]
	}
	return w.body[k.off : k.off+k.n]
}

// addKey records key (located by ref) as a member of the object f, open
// at depth, and refuses it if the object already has it. Keys of a small
// object are compared directly (lengths first), without hashing.
func (w *jsonWalker) addKey(f *frame, depth int, ref keyRef, key []byte) error {
	ref.next = -1
	if !f.indexed && len(w.keys)-f.keyStart < linearKeys {
		for k := f.keyStart; k < len(w.keys); k++ {
			if w.keys[k].n == ref.n && bytes.Equal(w.keyAt(&w.keys[k]), key) {
				return w.duplicate()
			}
		}
		w.keys = append(w.keys, ref)
		return nil
	}
	index := w.index(f, depth)
	ref.hash = maphash.Bytes(keySeed, key)
	if k, ok := index[ref.hash]; ok {
		for ; k >= 0; k = w.keys[k].next {
			if bytes.Equal(w.keyAt(&w.keys[k]), key) {
				return w.duplicate()
			}
		}
		ref.next = index[ref.hash]
	}
	index[ref.hash] = int32(len(w.keys))
	w.keys = append(w.keys, ref)
	return nil
}

func (w *jsonWalker) duplicate() error {
	return w.fail(CodeDuplicateKey, fmt.Errorf("object member repeated"))
}

// index returns the hash index of the object f at depth, building it from
// the keys read so far the first time.
func (w *jsonWalker) index(f *frame, depth int) map[uint64]int32 {
	for len(w.indexes) <= depth {
		w.indexes = append(w.indexes, nil)
	}
	if f.indexed {
		return w.indexes[depth]
	}
	m := w.indexes[depth]
	if m == nil {
		m = make(map[uint64]int32, 2*linearKeys)
		w.indexes[depth] = m
	}
	for k := f.keyStart; k < len(w.keys); k++ {
		h := maphash.Bytes(keySeed, w.keyAt(&w.keys[k]))
		w.keys[k].hash = h
		if prev, ok := m[h]; ok {
			w.keys[k].next = prev
		}
		m[h] = int32(k)
	}
	f.indexed = true
	return m
}

// maxPooledIndex is the largest object whose index is kept for reuse; a
// larger one is left to the garbage collector rather than pinned.
const maxPooledIndex = 1024

// dropKeys forgets the keys of the object f, open at depth, as it closes.
// Deleting them one by one keeps the cost proportional to the object's
// size, where clear would cost the map's capacity.
func (w *jsonWalker) dropKeys(f *frame, depth int) {
	if f.indexed {
		if n := len(w.keys) - f.keyStart; n > maxPooledIndex {
			w.indexes[depth] = nil
		} else {
			m := w.indexes[depth]
			for k := f.keyStart; k < len(w.keys); k++ {
				delete(m, w.keys[k].hash)
			}
		}
		f.indexed = false
	}
	w.keys = w.keys[:f.keyStart]
	w.keyBytes = w.keyBytes[:f.keyBytesStart]
}

// releaseIndexes empties the indexes of the objects a failed walk left
// open, so that the next walk starts with empty ones.
func (w *jsonWalker) releaseIndexes() {
	for d := len(w.frames) - 1; d >= 0; d-- {
		if f := &w.frames[d]; f.object {
			w.dropKeys(f, d)
		}
	}
	w.frames = w.frames[:0]
}
