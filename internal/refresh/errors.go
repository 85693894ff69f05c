package refresh

import (
	"fmt"
	"time"
)

// Reason says why Get has nothing to give.
type Reason uint8

// The reasons.
const (
	// Held: no value to serve, and no refresh may start (backoff or
	// cooldown) nor is one running.
	Held Reason = iota
	// Failed: the refresh the caller waited for failed.
	Failed
	// GaveUp: the caller's context ended while it waited.
	GaveUp
	// Closed: the engine is closed.
	Closed
)

// Error is why Get or Refresh has nothing to give. The policies turn it
// into errors of their own packages.
type Error struct {
	Reason Reason
	// RetryAfter is how long until a refresh may start (Held, Failed) or
	// the one in flight ends at the latest (GaveUp).
	RetryAfter time.Duration
	// Err is the refresh's error (Failed), the last one's (Held), or the
	// context's (GaveUp).
	Err error
}

func (e *Error) Error() string {
	return fmt.Sprintf("refresh: %v (retry after %v): %v", e.Reason, e.RetryAfter, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

var reasonNames = [...]string{"held", "failed", "gave up", "closed"}

func (r Reason) String() string { return reasonNames[r] }
