package provider

import (
	"errors"
	"fmt"
	"time"
)

// The categories of failure, one per row of the error table (and HTTP
// status) in the README. Every error Verify returns matches exactly one of
// them with errors.Is.
var (
	// ErrNoToken: the request carries no token (401 without an error code).
	ErrNoToken = errors.New("provider: no token")
	// ErrInvalidToken: the token is malformed, unsigned by a known key,
	// expired, or fails a claim rule (401 invalid_token).
	ErrInvalidToken = errors.New("provider: invalid token")
	// ErrInsufficientScope: the token is valid but lacks a required scope,
	// group or permission (403 insufficient_scope).
	ErrInsufficientScope = errors.New("provider: insufficient scope")
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

// The reasons a token is invalid; each matches ErrInvalidToken too.
var (
	ErrTokenTooLarge = newReason("too_large", "token too large", ErrInvalidToken)
	ErrMalformed     = newReason("malformed", "malformed token", ErrInvalidToken)
	ErrUnknownIssuer = newReason("unknown_issuer", "token from an issuer that is not configured", ErrInvalidToken)
	ErrAlgorithm     = newReason("algorithm", "signing algorithm not allowed", ErrInvalidToken)
	ErrKeyID         = newReason("kid", "missing or invalid kid", ErrInvalidToken)
	ErrUnknownKey    = newReason("unknown_key", "no key for the token's kid", ErrInvalidToken)
	ErrSignature     = newReason("signature", "invalid signature", ErrInvalidToken)
	ErrExpired       = newReason("expired", "token expired", ErrInvalidToken)
	ErrNotYetValid   = newReason("not_yet_valid", "token not valid yet", ErrInvalidToken)
	ErrMissingClaim  = newReason("missing_claim", "required claim missing", ErrInvalidToken)
	ErrAudience      = newReason("audience", "audience not accepted", ErrInvalidToken)
	ErrTokenUse      = newReason("token_use", "token_use not accepted", ErrInvalidToken)
	ErrClient        = newReason("client", "client not accepted", ErrInvalidToken)
	ErrClaims        = newReason("claims", "claims not accepted", ErrInvalidToken)
	ErrType          = newReason("type", "token type (typ) not accepted", ErrInvalidToken)
	// ErrMissingGroup is a provider rule's required group missing; it
	// matches ErrInsufficientScope.
	ErrMissingGroup = newReason("insufficient_scope", "required group missing", ErrInsufficientScope)
)

// reasonError is a sentinel with a short, fixed reason code (a metrics
// label) and a category.
type reasonError struct {
	reason   string
	msg      string
	category error
}

func newReason(reason, msg string, category error) error {
	return &reasonError{reason: reason, msg: "provider: " + msg, category: category}
}

func (e *reasonError) Error() string { return e.msg }
func (e *reasonError) Unwrap() error { return e.category }

// ExpiredError is ErrExpired with the token's expiry.
type ExpiredError struct {
	Expiry time.Time
}

func (e *ExpiredError) Error() string {
	return fmt.Sprintf("provider: token expired at %s", e.Expiry.UTC().Format(time.RFC3339))
}

// Unwrap returns ErrExpired.
func (e *ExpiredError) Unwrap() error { return ErrExpired }

// Reason returns the fixed, short code of err: "" for nil, one of the
// reason codes above ("expired", "signature", …), "no_token",
// "insufficient_scope", "keys_unavailable", the code of an error in err's
// chain that has a Reason method (middleware.ErrInvalidRequest:
// "invalid_request"), and "error" for anything else. Its values, but for
// those of errors with a Reason method, are a fixed set: safe as metric
// labels.
func Reason(err error) string {
	if err == nil {
		return ""
	}
	var r *reasonError
	var coded interface{ Reason() string }
	switch {
	case errors.As(err, &r):
		return r.reason
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
