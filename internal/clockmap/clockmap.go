// Package clockmap is a bounded concurrent map for what is looked up far
// more often than it changes — the Verifier's tenants and its answers
// about issuers: look-ups take no lock and do not allocate, writers take
// one lock, and a full map evicts by CLOCK (an entry looked up since the
// hand last passed is spared once), an approximation of least recently
// used that costs a look-up one flag.
//
// A key is a pair of strings (a partition and a name), so that callers
// need not build one string of the two on their hot path.
package clockmap

import (
	"hash/maphash"
	"math/bits"
	"slices"
	"sync"
	"sync/atomic"
)

// Map maps keys to values of type V; at most Max entries are held.
type Map[V any] struct {
	seed    maphash.Seed
	buckets []atomic.Pointer[[]*Entry[V]] // immutable slices, replaced by writers
	mask    uint64
	max     int

	mu   sync.Mutex // writers
	ring []*Entry[V]
	hand int
}

// Entry is one key and its value, which must not change once added.
type Entry[V any] struct {
	Part, Name string
	hash       uint64
	ref        atomic.Bool // written only when it changes: hits on one entry share its line
	at         int         // index in ring; -1 once removed
	Value      V
}

// New returns a map of at most size entries (at least 1).
func New[V any](size int) *Map[V] {
	size = max(1, size)
	n := 1 << bits.Len(uint(size-1)) // buckets ≥ entries: lists of about one
	return &Map[V]{
		seed:    maphash.MakeSeed(),
		buckets: make([]atomic.Pointer[[]*Entry[V]], n),
		mask:    uint64(n - 1),
		max:     size,
	}
}

func (m *Map[V]) hash(part, name string) uint64 {
	h := maphash.String(m.seed, name)
	if part != "" {
		h ^= bits.RotateLeft64(maphash.String(m.seed, part), 29) * 0x9e3779b97f4a7c15
	}
	return h
}

// Get returns the entry of (part, name), or nil, and marks it used.
func (m *Map[V]) Get(part, name string) *Entry[V] {
	h := m.hash(part, name)
	l := m.buckets[h&m.mask].Load()
	if l == nil {
		return nil
	}
	for _, e := range *l {
		if e.hash == h && e.Name == name && e.Part == part {
			e.Touch()
			return e
		}
	}
	return nil
}

// Touch marks e used, as Get does, for a caller that holds e.
func (e *Entry[V]) Touch() {
	if !e.ref.Load() {
		e.ref.Store(true)
	}
}

// Add stores v for (part, name) unless the key is held, and returns the
// entry held for the key (the new one, or the one there before, with
// added false). If the map was full, it evicted the entry the CLOCK hand
// found first unused, which it returns.
func (m *Map[V]) Add(part, name string, v V) (e *Entry[V], added bool, evicted *Entry[V]) {
	h := m.hash(part, name)
	m.mu.Lock()
	defer m.mu.Unlock()
	b := &m.buckets[h&m.mask]
	if l := b.Load(); l != nil {
		for _, old := range *l {
			if old.hash == h && old.Name == name && old.Part == part {
				return old, false, nil
			}
		}
	}
	if len(m.ring) >= m.max {
		evicted = m.victim()
		m.removeLocked(evicted)
	}
	e = &Entry[V]{Part: part, Name: name, hash: h, at: len(m.ring), Value: v}
	m.ring = append(m.ring, e)
	var l []*Entry[V]
	if old := b.Load(); old != nil {
		l = append(make([]*Entry[V], 0, len(*old)+1), *old...)
	}
	l = append(l, e)
	b.Store(&l)
	return e, true, evicted
}

// victim advances the CLOCK hand to an entry not used since it last
// passed, clearing the marks it passes; m.mu is held and the ring full.
func (m *Map[V]) victim() *Entry[V] {
	for range 2 * len(m.ring) {
		m.hand %= len(m.ring)
		e := m.ring[m.hand]
		m.hand++
		if !e.ref.Load() {
			return e
		}
		e.ref.Store(false)
	}
	return m.ring[m.hand%len(m.ring)] // every entry was used again meanwhile
}

// Remove drops e and reports whether it was held.
func (m *Map[V]) Remove(e *Entry[V]) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e.at < 0 {
		return false
	}
	m.removeLocked(e)
	return true
}

func (m *Map[V]) removeLocked(e *Entry[V]) {
	b := &m.buckets[e.hash&m.mask]
	old := *b.Load()
	if len(old) == 1 {
		b.Store(nil)
	} else {
		l := make([]*Entry[V], 0, len(old)-1)
		for _, x := range old {
			if x != e {
				l = append(l, x)
			}
		}
		b.Store(&l)
	}
	last := m.ring[len(m.ring)-1]
	m.ring[e.at], last.at = last, e.at
	m.ring[len(m.ring)-1] = nil
	m.ring = m.ring[:len(m.ring)-1]
	e.at = -1
}

// RemoveIf drops every entry for which drop is true and returns them;
// drop runs under the writers' lock.
func (m *Map[V]) RemoveIf(drop func(*Entry[V]) bool) []*Entry[V] {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*Entry[V]
	for i := 0; i < len(m.ring); {
		if e := m.ring[i]; drop(e) {
			m.removeLocked(e) // moves the last entry to i
			out = append(out, e)
			continue
		}
		i++
	}
	return out
}

// Entries returns the entries held now.
func (m *Map[V]) Entries() []*Entry[V] {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.ring)
}

// Len returns the number of entries held.
func (m *Map[V]) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.ring)
}
