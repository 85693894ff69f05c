package m2m

// NewMemoryStore returns the Store a TokenSource or proxy keeps in memory
// when its Store is nil, holding up to maxEntries tokens, for the tests of
// package m2m_test to share between sources and proxies.
func NewMemoryStore(maxEntries int) Store { return newMemoryStore(maxEntries) }

// StoreLen returns the number of tokens s, made by NewMemoryStore, holds.
func StoreLen(s Store) int {
	m := s.(*memoryStore)
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lru.Len()
}
