package m2m

import (
	"container/list"
	"context"
	"errors"
	"sync"
)

// DefaultMaxEntries is the capacity of NewMemoryStore(0).
const DefaultMaxEntries = 10_000

// MemoryStore keeps tokens in memory, at most a fixed number, dropping the
// least recently used beyond it. Concurrent Fetches of one key share one
// mint. It is safe for concurrent use.
type MemoryStore struct {
	max int

	mu      sync.Mutex
	lru     *list.List               // of *memEntry, most recently used first
	entries map[string]*list.Element // key → element of lru
	flights map[string]*memFlight    // key → mint in progress
}

type memEntry struct {
	key string
	tok *Token
}

// errMintPanicked is what waiters get when the mint they waited for
// panicked.
var errMintPanicked = errors.New("m2m: mint panicked")

type memFlight struct {
	done chan struct{}
	tok  *Token
	err  error
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
		flights: make(map[string]*memFlight),
	}
}

// Len returns the number of tokens held.
func (m *MemoryStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lru.Len()
}

// Fetch implements Store. A caller that finds a mint of key in progress
// waits for it (bounded by ctx) and gets its result, token or error.
func (m *MemoryStore) Fetch(ctx context.Context, key string, usable func(*Token) bool, mint MintFunc, _ func(error)) (*Token, error) {
	m.mu.Lock()
	if e, ok := m.entries[key]; ok {
		if t := e.Value.(*memEntry).tok; usable(t) {
			m.lru.MoveToFront(e)
			m.mu.Unlock()
			return t, nil
		}
	}
	if f, ok := m.flights[key]; ok {
		m.mu.Unlock()
		select {
		case <-f.done:
			return f.tok, f.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f := &memFlight{done: make(chan struct{})}
	m.flights[key] = f
	m.mu.Unlock()

	defer func() {
		// Deferred, so that waiters are released even if mint panics.
		m.mu.Lock()
		delete(m.flights, key)
		if f.err == nil && f.tok != nil {
			m.put(key, f.tok)
		}
		m.mu.Unlock()
		close(f.done)
	}()
	f.err = errMintPanicked
	f.tok, f.err = mint(ctx)
	return f.tok, f.err
}

// put keeps t under key as the most recently used token, dropping the
// least recently used beyond the capacity. m.mu must be held.
func (m *MemoryStore) put(key string, t *Token) {
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
