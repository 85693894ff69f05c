package keycache

import (
	"errors"
	"fmt"
	"time"
)

var (
	// ErrKeyNotFound is returned for a kid the key set does not hold (after
	// any refresh the unknown-kid guard allowed).
	ErrKeyNotFound = errors.New("cache: key not found")
	// ErrAmbiguousKey is returned for a look-up without a kid when the set
	// holds more than one key.
	ErrAmbiguousKey = errors.New("cache: no kid given and the key set holds more than one key")
	// ErrUnavailable is returned when there are no keys to serve: nothing
	// was ever fetched, or the last good keys are older than MaxStale, and
	// a refresh failed or is backing off.
	ErrUnavailable = errors.New("cache: keys unavailable")
	// ErrClosed is returned by a Cache after Close.
	ErrClosed = errors.New("cache: closed")
)

// errBadDocument is the error of a fetched document that cannot serve:
// not JSON, no keys, or no usable signing key. The current keys stay.
var errBadDocument = errors.New("cache: unusable JWKS document")

// errLockTimeout is reported (to the Logger and Metrics) when another process
// held the fetch lock for FetchTimeout, or half the refresh's time, without
// sharing a document: the cache then fetches for itself.
var errLockTimeout = errors.New("cache: no document from the process holding the fetch lock")

// UnavailableError is ErrUnavailable with the time after which the next
// attempt to fetch is allowed.
type UnavailableError struct {
	// RetryAfter is how long until the cache may fetch again; zero if it
	// may now.
	RetryAfter time.Duration
	// Err is the last fetch failure, if any.
	Err error
}

func (e *UnavailableError) Error() string {
	if e.Err == nil {
		return ErrUnavailable.Error()
	}
	return ErrUnavailable.Error() + ": " + e.Err.Error()
}

// Unwrap returns ErrUnavailable and the cause.
func (e *UnavailableError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrUnavailable}
	}
	return []error{ErrUnavailable, e.Err}
}

// statusError is a JWKS response with an unexpected HTTP status.
type statusError struct {
	Code int
	// RetryAfter is the response's Retry-After (429 and 503 send one);
	// zero if it had none. The backoff honours it, up to Interval.
	RetryAfter time.Duration
}

func (e *statusError) Error() string {
	return fmt.Sprintf("cache: JWKS endpoint answered HTTP %d", e.Code)
}

// statusRetryAfter is the Retry-After of a *statusError in err's chain.
func statusRetryAfter(err error) time.Duration {
	if se := (*statusError)(nil); errors.As(err, &se) {
		return se.RetryAfter
	}
	return 0
}
