package observe

import "time"

// Verifications receives what a provider.Verifier does.
type Verifications interface {
	// Verified reports one call of Verify: the issuer the token was
	// routed to ("" if none was: no token, malformed, or an issuer not
	// configured), its error (nil on success; provider.Reason gives its
	// code), and how long it took.
	Verified(issuer string, err error, d time.Duration)
	// TokenCached reports one event of the cache of verified tokens for
	// a token of issuer ("" if the token was not routed to one: a miss
	// that failed early).
	TokenCached(issuer string, ev CacheEvent)
}

// CacheEvent is what happened in the cache of verified tokens.
type CacheEvent string

// The CacheEvent values.
const (
	CacheHit      CacheEvent = "hit"      // a verified token served from the cache
	CacheMiss     CacheEvent = "miss"     // a token verified in full
	CacheRejected CacheEvent = "rejected" // a token whose signature failed before, refused from the cache
	CacheEvicted  CacheEvent = "evicted"  // a live entry replaced to make room for another
)

// DPoP receives the DPoP checks of a resource server (package
// middleware) and the failures of a shared replay store
// (dpop/redisreplay).
type DPoP interface {
	// Checked reports one request presented with the DPoP scheme and a
	// valid token: reason is "" when its proof was accepted, else the
	// refusal's code (provider.Reason): dpop_replay for a replayed
	// proof, dpop_nonce when the server asked for its nonce, dpop_binding
	// for a proof made with another key, ….
	Checked(reason string)
	// ReplayStoreFailed reports a replay store that could not be used.
	ReplayStoreFailed(err error)
}
