// Package keycache is the engine of the Verifier's key caches: a Cache
// fetches one provider's JWKS, parses it into verification keys and keeps
// them fresh under a cache.Config — the strategies, the no-wait rule, the
// unknown-kid guard and the shared Store protocol that package cache
// documents for users. The refresh machinery itself (single flight,
// backoff, background timer) is internal/refresh; this package supplies
// the keys' policy.
//
// Its error messages start with "cache: ", the package whose settings
// and semantics a user knows, not this one's name.
//
// A Cache is safe for concurrent use; its background work is stopped by
// Close.
package keycache
