package keycache

import "time"

// due is the engine's Due: when the background refresh of s should run —
// at Threshold of its lifetime by time, or from its usage floor once
// Threshold of its uses are spent, and not before the backoff ends
// (retryAt). Without keys it runs only to retry a failed first fetch, so
// that keys are there before the next request needs them. Under
// SkipIdleRefresh it runs only once the set served a look-up. False means:
// wait for a poke.
func (c *Cache) due(s *keySet, retryAt time.Time) (time.Time, bool) {
	if s == nil {
		return retryAt, !retryAt.IsZero()
	}
	if c.cfg.SkipIdleRefresh && !s.used.Load() {
		return time.Time{}, false // the first use pokes
	}
	due, ok := s.soft, !s.soft.IsZero()
	if s.limit > 0 && s.uses.Load() >= s.softUses && (!ok || s.floor.Before(due)) {
		due, ok = s.floor, true
	}
	if ok && retryAt.After(due) {
		due = retryAt
	}
	return due, ok
}

// touch notes, under SkipIdleRefresh, that s served a look-up: the first
// one plans its background refresh.
func (c *Cache) touch(s *keySet) {
	if c.cfg.SkipIdleRefresh && !s.used.Load() && s.used.CompareAndSwap(false, true) {
		c.eng.Poke()
	}
}
