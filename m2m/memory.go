package m2m

import (
	"container/list"
	"context"
	"sync"

	"github.com/jwtguard/jwtguard/internal/tokenflight"
)

// DefaultMaxEntries is the capacity of NewMemoryStore(0).
const DefaultMaxEntries = 10_000

// MemoryStore keeps tokens in memory, at most a fixed number, dropping the
// least recently used beyond it. Concurrent Fetches of one key share one
// mint. It is safe for concurrent use.
type MemoryStore struct {
	max     int
	flights tokenflight.Group[*Token] // mints in progress, by key

	mu      sync.Mutex
	lru     *list.List               // of *memEntry, most recently used first
	entries map[string]*list.Element // key → element of lru
}

type memEntry struct {
	key string
	tok *Token
}

// NewMemoryStore returns a MemoryStore holding up to maxEntries tokens. If
// maxEntries is zero or negative, DefaultMaxEntries (10 000) is used.
func NewMemoryStore(maxEntries int) *MemoryStore {
	if maxEntries <= 0 {
		maxEntries = DefaultMaxEntries
	}
	return &MemoryStore{
		max:     maxEntries,
		lru:     list.New(),
		entries: make(map[string]*list.Element),
	}
}

// Len returns the number of tokens held.
func (m *MemoryStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lru.Len()
}

// Fetch implements Store. A caller that finds a mint of key in progress
// waits for it (bounded by ctx) and gets its result, token or error —
// except when the mint failed because the minter's own context ended
// (its source closed, its deadline passed): a waiter whose context is
// still live then tries again, minting itself if nobody else does. A
// token that expired on arrival (Expiry not after Issued) is handed to
// the minter and its waiters but not kept.
func (m *MemoryStore) Fetch(ctx context.Context, key string, usable func(*Token) bool, mint MintFunc, _ func(error)) (*Token, error) {
	if t := m.get(key, usable); t != nil {
		return t, nil
	}
	return m.flights.Do(ctx, key, func(ctx context.Context) (*Token, error) {
		// A mint that ended between our look and this one left its token.
		if t := m.get(key, usable); t != nil {
			return t, nil
		}
		t, err := mint(ctx)
		if err == nil && t != nil && !t.expiredOnArrival() {
			m.put(key, t)
		}
		return t, err
	})
}

// get returns the token kept under key, as the most recently used, if
// usable accepts it; else nil.
func (m *MemoryStore) get(key string, usable func(*Token) bool) *Token {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[key]
	if !ok {
		return nil
	}
	t := e.Value.(*memEntry).tok
	if !usable(t) {
		return nil
	}
	m.lru.MoveToFront(e)
	return t
}

// put keeps t under key as the most recently used token, dropping the
// least recently used beyond the capacity.
func (m *MemoryStore) put(key string, t *Token) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.entries[key]; ok {
		e.Value.(*memEntry).tok = t
		m.lru.MoveToFront(e)
		return
	}
	m.entries[key] = m.lru.PushFront(&memEntry{key: key, tok: t})
	for m.lru.Len() > m.max {
		last := m.lru.Back()
		m.lru.Remove(last)
		delete(m.entries, last.Value.(*memEntry).key)
	}
}
