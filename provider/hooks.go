package provider

import "time"

// Hooks receives the outcome of every verification. Verified is called on
// the verification path: keep it cheap and safe for concurrent use. The
// metrics package implements Hooks.
type Hooks interface {
	// Verified reports one call of Verify: the configured issuer the token
	// was routed to ("" if none was: no token, malformed, or an issuer not
	// configured), its error (nil on success; Reason gives its code), and
	// how long it took.
	Verified(issuer string, err error, d time.Duration)
}

// TokenCacheHooks receives the events of the Verifier's cache of verified
// tokens (TokenCacheConfig); a Hooks that implements it gets them. The
// metrics package implements it.
type TokenCacheHooks interface {
	// TokenCached reports one event for a token of issuer ("" if the
	// token was not routed to one: a miss that failed early).
	TokenCached(issuer string, ev TokenCacheEvent)
}

// TokenCacheEvent is what happened in the cache of verified tokens.
type TokenCacheEvent string

// The TokenCacheEvent values.
const (
	TokenCacheHit      TokenCacheEvent = "hit"      // a verified token served from the cache
	TokenCacheMiss     TokenCacheEvent = "miss"     // a token verified in full
	TokenCacheRejected TokenCacheEvent = "rejected" // a token whose signature failed before, refused from the cache
	TokenCacheEvicted  TokenCacheEvent = "evicted"  // a live entry replaced to make room for another
)
