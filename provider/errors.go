package provider

import (
	"errors"
	"fmt"
	"time"

	"github.com/jwtguard/jwtguard/internal/reasons"
)

// The categories of failure, one per row of the error table (and HTTP
// status) in the README. Every error Verify returns matches exactly one of
// them with errors.Is.
var (
	// ErrNoToken: the request carries no token (401 without an error code).
	ErrNoToken = errors.New("provider: no token")
	// ErrInvalidToken: the token is malformed, unsigned by a known key,
	// expired, or fails a claim rule (401 invalid_token).
	ErrInvalidToken = reasons.InvalidToken
	// ErrInsufficientScope: the token is valid but lacks a required scope,
	// group or permission (403 insufficient_scope).
	ErrInsufficientScope = reasons.InsufficientScope
	// ErrKeysUnavailable: the provider's keys cannot be had (it is down and
	// nothing usable is cached); the token may be fine (503). The error is
	// a *KeysUnavailableError (errors.As), whose RetryAfter says when to
	// try again.
	ErrKeysUnavailable = errors.New("provider: keys unavailable")
)

// KeysUnavailableError is ErrKeysUnavailable for one issuer, with when to
// try again.
type KeysUnavailableError struct {
	// Issuer is the issuer whose keys are unavailable; empty when the
	// token's issuer could not be resolved yet (TenantsConfig).
	Issuer string
	// RetryAfter is how long until the issuer's keys may be fetched again;
	// zero if they may now.
	RetryAfter time.Duration
	// Err is the cause: the key cache's error, with the last fetch failure.
	Err error
}

func (e *KeysUnavailableError) Error() string {
	switch {
	case e.Issuer == "" && e.Err == nil:
		return "provider: keys unavailable"
	case e.Issuer == "":
		return fmt.Sprintf("provider: keys unavailable: %v", e.Err)
	case e.Err == nil:
		return fmt.Sprintf("provider: keys of issuer %q unavailable", e.Issuer)
	}
	return fmt.Sprintf("provider: keys of issuer %q unavailable: %v", e.Issuer, e.Err)
}

// Unwrap returns ErrKeysUnavailable and the cause.
func (e *KeysUnavailableError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrKeysUnavailable}
	}
	return []error{ErrKeysUnavailable, e.Err}
}

// ErrExpired is the reason of an expired token; it matches
// ErrInvalidToken, and the error is an *ExpiredError (errors.As) with the
// expiry. The other reasons a token is refused are not sentinels of their
// own: Reason gives their codes.
var ErrExpired error = reasons.Expired

// ExpiredError is ErrExpired with the token's expiry.
type ExpiredError struct {
	Expiry time.Time
}

func (e *ExpiredError) Error() string {
	return fmt.Sprintf("provider: token expired at %s", e.Expiry.UTC().Format(time.RFC3339))
}

// Unwrap returns ErrExpired.
func (e *ExpiredError) Unwrap() error { return ErrExpired }

// Reason returns the fixed, short code of err: "" for nil, the reason a
// token was refused ("too_large", "malformed", "unknown_issuer",
// "algorithm", "kid", "unknown_key", "signature", "expired",
// "not_yet_valid", "missing_claim", "audience", "token_use", "client",
// "claims", "type"; "insufficient_scope" for a missing group), the reason
// a DPoP proof was refused ("dpop_…"), "no_token", "keys_unavailable",
// "invalid_token" and "insufficient_scope" for other errors matching those
// categories (a rule of your own), the code of an error in err's chain
// that has a Reason method (middleware.ErrInvalidRequest:
// "invalid_request"), and "error" for anything else. Its values, but for
// those of errors with a Reason method, are a fixed set: safe as metric
// labels.
func Reason(err error) string {
	if err == nil {
		return ""
	}
	var r *reasons.Error
	var coded interface{ Reason() string }
	switch {
	case errors.As(err, &r):
		return r.Code
	case errors.As(err, &coded):
		return coded.Reason()
	case errors.Is(err, ErrNoToken):
		return "no_token"
	case errors.Is(err, ErrInsufficientScope):
		return "insufficient_scope"
	case errors.Is(err, ErrKeysUnavailable):
		return "keys_unavailable"
	case errors.Is(err, ErrInvalidToken):
		return "invalid_token"
	}
	return "error"
}
