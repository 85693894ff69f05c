// Package tokencache is a bounded concurrent map from tokens to values,
// for the verified-token cache: look-ups take no lock and do not
// allocate, and eviction is local to a small set of slots.
//
// It is set-associative: a token hashes (with a per-table random seed, so
// that nobody can aim tokens at one set) to a set of Ways slots, and a
// full set evicts by CLOCK — an entry looked up since the hand last passed
// is spared once. New entries start unreferenced, so a stream of tokens
// seen once replaces other tokens seen once before it replaces the ones
// in use. Entries and bytes are both bounded.
package tokencache

import (
	"hash/maphash"
	"sync/atomic"
)

// Ways is the number of slots of a set.
const Ways = 8

// Table maps tokens to values of type V.
type Table[V any] struct {
	sets     []set[V]
	seed     maphash.Seed
	maxBytes int64
	bytes    atomic.Int64
	len      atomic.Int64
	// dead reports an entry that serves no more (expired): replaced
	// before any live one.
	dead func(*V) bool
}

type set[V any] struct {
	slots [Ways]atomic.Pointer[Entry[V]]
	hand  atomic.Uint32
}

// Entry is one token and its value, which must not change once added.
type Entry[V any] struct {
	token string
	hash  uint64
	size  int64
	ref   atomic.Bool
	Value V
}

// New returns a table of at least maxEntries entries (rounded up to a
// multiple of Ways) holding at most maxBytes bytes, as sizes are given to
// Add. dead, if not nil, marks entries to replace first.
func New[V any](maxEntries int, maxBytes int64, dead func(*V) bool) *Table[V] {
	n := max(1, (maxEntries+Ways-1)/Ways)
	if dead == nil {
		dead = func(*V) bool { return false }
	}
	return &Table[V]{sets: make([]set[V], n), seed: maphash.MakeSeed(), maxBytes: maxBytes, dead: dead}
}

func (t *Table[V]) hash(token string) (uint64, *set[V]) {
	h := maphash.String(t.seed, token)
	// Lemire's reduction of the high half onto the sets.
	return h, &t.sets[(h>>32)*uint64(len(t.sets))>>32]
}

// Get returns the entry of token, or nil.
func (t *Table[V]) Get(token string) *Entry[V] {
	h, s := t.hash(token)
	for i := range s.slots {
		if e := s.slots[i].Load(); e != nil && e.hash == h && e.token == token {
			if !e.ref.Load() { // write only when it changes: hits on one entry share its line
				e.ref.Store(true)
			}
			return e
		}
	}
	return nil
}

// Add stores v for token, counting size bytes, and reports whether it did
// and which live entry of another token, if any, it evicted to make room.
// It does not store what would exceed the byte bound, nor (rarely) when a
// concurrent Add took the slot it chose.
func (t *Table[V]) Add(token string, size int64, v V) (added bool, evicted *Entry[V]) {
	if size > t.maxBytes {
		return false, nil
	}
	h, s := t.hash(token)
	i := t.victim(s, token)
	old := s.slots[i].Load()
	need := size
	if old != nil {
		need -= old.size
	}
	if t.bytes.Add(need) > t.maxBytes {
		t.bytes.Add(-need)
		return false, nil
	}
	e := &Entry[V]{token: token, hash: h, size: size, Value: v}
	if !s.slots[i].CompareAndSwap(old, e) {
		t.bytes.Add(-need)
		return false, nil
	}
	if old == nil {
		t.len.Add(1)
		return true, nil
	}
	if old.token == token || t.dead(&old.Value) {
		return true, nil
	}
	return true, old
}

// victim picks the slot of s for token: its own entry, an empty or dead
// slot, else the first entry the CLOCK hand finds unreferenced.
func (t *Table[V]) victim(s *set[V], token string) int {
	free := -1
	for i := range s.slots {
		switch e := s.slots[i].Load(); {
		case e != nil && e.token == token:
			return i // never two entries for one token
		case free < 0 && (e == nil || t.dead(&e.Value)):
			free = i
		}
	}
	if free >= 0 {
		return free
	}
	for range 2 * Ways {
		i := int(s.hand.Add(1) % Ways)
		e := s.slots[i].Load()
		if e == nil || !e.ref.Load() {
			return i
		}
		e.ref.Store(false)
	}
	return int(s.hand.Load() % Ways) // every entry was looked up again meanwhile
}

// Remove drops e, if it is still held.
func (t *Table[V]) Remove(e *Entry[V]) {
	_, s := t.hash(e.token)
	for i := range s.slots {
		if s.slots[i].CompareAndSwap(e, nil) {
			t.bytes.Add(-e.size)
			t.len.Add(-1)
			return
		}
	}
}

// Len returns the number of entries held.
func (t *Table[V]) Len() int { return int(t.len.Load()) }

// Bytes returns the bytes held, as counted by Add.
func (t *Table[V]) Bytes() int64 { return t.bytes.Load() }

// Cap returns the number of slots: the bound on Len.
func (t *Table[V]) Cap() int { return len(t.sets) * Ways }
