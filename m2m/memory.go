package m2m

import (
	"container/list"
	"context"
	"sync"

	"github.com/jwtguard/jwtguard/internal/share"
)

// proxyMaxEntries is the capacity of the proxy's store when
// ProxyConfig.Store is nil.
const proxyMaxEntries = 10_000

// memoryStore keeps tokens in memory, at most a fixed number, dropping the
// least recently used beyond it, with an in-process mint lock per key
// whose waiters are woken when it is released. It is safe for concurrent
// use. It is the Store of a TokenSource or proxy whose Store is nil.
type memoryStore struct {
	max int

	mu      sync.Mutex
	lru     *list.List               // of *memEntry, most recently used first
	entries map[string]*list.Element // key → element of lru

	locks share.Locks // mint locks
}

type memEntry struct {
	key string
	tok *Token
}

// newMemoryStore returns a memoryStore holding up to maxEntries tokens
// (positive).
func newMemoryStore(maxEntries int) *memoryStore {
	return &memoryStore{
		max:     maxEntries,
		lru:     list.New(),
		entries: make(map[string]*list.Element),
	}
}

// Get implements Store: the token kept under key, now the most recently
// used, or nil.
func (m *memoryStore) Get(_ context.Context, key string) (*Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[key]
	if !ok {
		return nil, nil
	}
	m.lru.MoveToFront(e)
	return e.Value.(*memEntry).tok, nil
}

// Lock implements Store. The lock is held until Unlock; a caller that
// finds it held gets a channel closed at its release.
func (m *memoryStore) Lock(_ context.Context, key string) (string, <-chan struct{}, error) {
	owner, released := m.locks.Lock(key)
	return owner, released, nil
}

// Unlock implements Store.
func (m *memoryStore) Unlock(_ context.Context, key, _ string) error {
	m.locks.Unlock(key)
	return nil
}

// Put implements Store: it keeps t under key as the most recently used
// token, dropping the least recently used beyond the capacity. A token
// that expired on arrival (Expiry not after Issued) is not kept.
func (m *memoryStore) Put(_ context.Context, key string, t *Token) error {
	if t.expiredOnArrival() {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.entries[key]; ok {
		e.Value.(*memEntry).tok = t
		m.lru.MoveToFront(e)
		return nil
	}
	m.entries[key] = m.lru.PushFront(&memEntry{key: key, tok: t})
	for m.lru.Len() > m.max {
		last := m.lru.Back()
		m.lru.Remove(last)
		delete(m.entries, last.Value.(*memEntry).key)
	}
	return nil
}
