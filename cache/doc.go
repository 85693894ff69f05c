// Package cache keeps the JSON Web Key Set of one identity provider: it
// fetches the JWKS over HTTP, parses it into verification keys, and keeps
// them fresh without making requests wait for the provider.
//
// A key set expires by time (Interval after it was fetched), by usage
// (after Usages key look-ups) or by whichever comes first (Both, the
// default). A background goroutine refreshes it at Threshold of its
// lifetime, with jitter, so a look-up only waits for the network before the
// first fetch or when background refreshes keep failing. No policy refreshes
// more often than MinRefreshInterval.
//
// A refresh never makes things worse: an error status, a body that is not
// JSON, an empty set or one without a usable signing key leaves the current
// keys in place, and failed refreshes back off exponentially with jitter.
// Past its expiry a key set keeps serving for up to MaxStale while
// refreshes fail (each such use is reported through Hooks); after that, or
// with no keys at all, look-ups fail with ErrUnavailable.
//
// A token that names a kid the set does not hold may refresh the set, so a
// key rotation fails no request: at most one such refresh per
// UnknownKIDCooldown, coalesced, and callers that find the cooldown running
// fail at once instead of queueing. A key published at time t is therefore
// accepted from t + UnknownKIDCooldown + one fetch at the latest, however
// many tokens with invented kids arrive.
//
// Parsing: RSA, EC and Ed25519 public keys are used; keys marked
// "use":"enc", symmetric ("oct") keys and keys of unsupported types are
// skipped without rejecting the set; of two keys with the same kid the
// first in the document wins. Conditional requests (ETag, Last-Modified)
// renew a set without parsing it again.
//
// The look-up path is lock-free: the serving set is an immutable snapshot
// behind an atomic pointer, and usage is an atomic counter. A Cache is safe
// for concurrent use. Background work is stopped by Close.
package cache
