package dpop

// MemoryReplaysLen returns the number of proofs r, made by
// NewMemoryReplays, remembers, for the tests.
func MemoryReplaysLen(r Replays) int {
	m := r.(*memoryReplays)
	n := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		n += len(s.expires)
		s.mu.Unlock()
	}
	return n
}
