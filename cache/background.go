package cache

import "time"

// background refreshes the key set at Threshold of its lifetime, by time
// or by usage, and retries failed refreshes after their backoff.
func (c *Cache) background() {
	defer c.wg.Done()
	t := time.NewTimer(time.Hour)
	t.Stop()
	var seen *keySet
	for {
		var due time.Time
		var ok bool
		if due, seen, ok = c.nextDue(); ok {
			t.Reset(time.Until(due))
		}
		select {
		case <-c.done:
			t.Stop()
			return
		case <-c.wake:
			t.Stop()
			continue
		case <-t.C:
		}
		// A refresh in flight is joined; its end pokes us to re-plan.
		if _, err := c.start(TriggerBackground, false, seen); err != nil {
			return // closed
		}
	}
}

// nextDue returns when the background refresh of the set it returns
// should next run; false means: wait for a poke (a refresh in flight, a
// usage policy still short of its threshold, or nothing fetched yet).
func (c *Cache) nextDue() (time.Time, *keySet, bool) {
	if c.inflight.Load() != nil {
		return time.Time{}, nil, false
	}
	var retry time.Time
	if r := c.retryAt.Load(); r != 0 {
		retry = time.Unix(0, r)
	}
	s := c.set.Load()
	if s == nil {
		// After a failed first fetch, keep trying so that keys are there
		// before the next request needs them.
		return retry, nil, !retry.IsZero()
	}
	due, ok := s.soft, !s.soft.IsZero()
	if s.limit > 0 && s.uses.Load() >= s.softUses && (!ok || s.floor.Before(due)) {
		due, ok = s.floor, true
	}
	if ok && retry.After(due) {
		due = retry
	}
	return due, s, ok
}
