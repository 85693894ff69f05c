package dpop

// MemoryReplaysLen returns the number of proofs m remembers, for the
// tests.
func MemoryReplaysLen(m *MemoryReplays) int {
	n := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		n += len(s.expires)
		s.mu.Unlock()
	}
	return n
}
