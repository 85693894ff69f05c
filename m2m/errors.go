package m2m

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// ErrRejected and ErrUnavailable are the categories of a failed token
// request. A TokenSource that backs off after one returns, to a caller
// without a valid token, an error that says so and matches the category
// of the failure it wraps.
var (
	// ErrRejected matches an *ExchangeError for an answer that retrying
	// will not change: any 4xx but 408 and 429 (401 and 403 above all:
	// wrong credentials, or a client not allowed this audience), and the
	// backoff that follows one.
	ErrRejected = errors.New("m2m: token request rejected")
	// ErrUnavailable matches an *ExchangeError for a failure that may pass:
	// 408, 429, 5xx, an unusable answer (a token whose expires_in is zero
	// or negative among them), or no answer at all, and the backoff that
	// follows one.
	ErrUnavailable = errors.New("m2m: token endpoint unavailable")
	// ErrClosed is returned by a TokenSource after Close once it holds no
	// valid token.
	ErrClosed = errors.New("m2m: token source closed")
)

// ExchangeError is a failed token request. It matches ErrRejected or
// ErrUnavailable, and wraps the cause: an *oauth2.RetrieveError when the
// endpoint answered, the transport's error when it did not.
type ExchangeError struct {
	// Status is the HTTP status of the answer; 0 if there was none.
	Status int
	// RetryAfter is the answer's Retry-After; zero if it had none.
	RetryAfter time.Duration
	// Err is the cause.
	Err error
}

func (e *ExchangeError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("m2m: token request failed: %v", e.Err)
	}
	return fmt.Sprintf("m2m: token endpoint answered HTTP %d: %v", e.Status, e.Err)
}

// Unwrap returns ErrRejected or ErrUnavailable, and the cause.
func (e *ExchangeError) Unwrap() []error {
	if e.rejected() {
		return []error{ErrRejected, e.Err}
	}
	return []error{ErrUnavailable, e.Err}
}

func (e *ExchangeError) rejected() bool {
	return e.Status >= 400 && e.Status < 500 &&
		e.Status != http.StatusRequestTimeout && e.Status != http.StatusTooManyRequests
}
