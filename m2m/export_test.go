package m2m

// StoreLen returns the number of tokens m holds, for the tests of package
// m2m_test.
func StoreLen(m *MemoryStore) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lru.Len()
}
