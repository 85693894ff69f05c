package m2mtest

import (
	"sync"
	"time"
)

// Clock is a settable clock for m2m.Config.Now (and redistoken.Config.Now),
// shared by the sources of a test that stand for processes.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock set to time.Now().
func NewClock() *Clock { return &Clock{now: time.Now()} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock by d (back if d is negative).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
