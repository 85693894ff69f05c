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
	// ctxDone: the minter's own context was done when mint failed, so
	// err is most likely its context's error, not the endpoint's answer.
	ctxDone bool
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
// waits for it (bounded by ctx) and gets its result, token or error —
// except when the mint failed because the minter's own context ended
// (its source closed, its deadline passed): a waiter whose context is
// still live then tries again, minting itself if nobody else does. A
// token that expired on arrival (Expiry not after Issued) is handed to
// the minter and its waiters but not kept.
func (m *MemoryStore) Fetch(ctx context.Context, key string, usable func(*Token) bool, mint MintFunc, _ func(error)) (*Token, error) {
	for {
		m.mu.Lock()
		if e, ok := m.entries[key]; ok {
			if t := e.Value.(*memEntry).tok; usable(t) {
				m.lru.MoveToFront(e)
				m.mu.Unlock()
				return t, nil
			}
		}
		f, ok := m.flights[key]
		if !ok {
			break // with m.mu held: we mint
		}
		m.mu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if f.ctxDone && ctx.Err() == nil {
			continue // the minter gave up, not the endpoint: try again
		}
		return f.tok, f.err
	}
	f := &memFlight{done: make(chan struct{})}
	m.flights[key] = f
	m.mu.Unlock()

	defer func() {
		// Deferred, so that waiters are released even if mint panics.
		m.mu.Lock()
		delete(m.flights, key)
		if f.err == nil && f.tok != nil && !f.tok.expiredOnArrival() {
			m.put(key, f.tok)
		}
		m.mu.Unlock()
		close(f.done)
	}()
	f.err = errMintPanicked
	f.tok, f.err = mint(ctx)
	f.ctxDone = f.err != nil && ctx.Err() != nil
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
