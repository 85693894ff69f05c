// Package cache says how the Verifier's JWKS caches behave and are
// shared: their settings (Config) and the contract of a Store that shares
// fetched documents between processes.
//
// A provider.Verifier holds one key cache per provider, and one per
// tenant it resolves: the cache fetches the provider's JSON Web Key Set
// over HTTP, parses it into verification keys, and keeps them fresh
// without making requests wait for the provider. VerifierConfig.Cache
// configures them all, VerifierConfig.CacheByIssuer some of them by
// issuer; Verifier.Load fetches their keys before serving, Verifier.Refresh
// fetches them now, and Verifier.Close stops the caches. Each
// verification is one look-up of its cache's keys (a token answered from
// the verified-token cache too, as long as its key still serves), but a
// token whose kid the keys lack counts none: invented kids cannot drive
// the usage policy.
//
// A key set expires by time (Interval after it was fetched), by usage
// (after Usages look-ups) or by whichever comes first (Both, the
// default). A background refresh (a timer, then a fetch in a goroutine of
// its own) renews it at Threshold of its lifetime, with jitter. No policy
// refreshes more often than MinRefreshInterval.
//
// Once keys exist, no verification waits for the provider
// (stale-while-revalidate): expiry, by time or by usage, only starts a
// refresh (one at a time, under the backoff), and every look-up meanwhile
// is served from the current keys, each such use counted by the Metrics. A
// look-up waits for the network only when there are no keys at all (before
// the first fetch), when the keys are more than MaxStale past their expiry
// (or MaxStale is negative), when DisableBackgroundRefresh is set (expiry
// then waits for the refresh, unless refreshes are failing), or for the one
// refresh an unknown kid may trigger; every wait is bounded by the caller's
// context and FetchTimeout.
//
// A refresh never makes things worse: an error status, a body that is not
// JSON, an empty set or one without a usable signing key leaves the current
// keys in place. Failed refreshes back off exponentially from
// MinRefreshInterval to Interval, plus up to 20% jitter, and honour a 429
// or 503's Retry-After up to Interval. Past MaxStale, or with no keys at
// all, verifications fail with provider.ErrKeysUnavailable (the
// middleware answers 503), whose *provider.KeysUnavailableError's
// RetryAfter says when a fetch may run again, or when the one in flight
// ends at the latest.
//
// A token that names a kid the set does not hold may refresh the set, so a
// key rotation fails no request: at most one such refresh per
// UnknownKIDCooldown, coalesced, and verifications that find the cooldown
// running fail at once instead of queueing. A key published at time t is
// therefore accepted from t + UnknownKIDCooldown + one fetch at the latest,
// however many tokens with invented kids arrive.
//
// Parsing: RSA, EC and Ed25519 public keys are used; keys marked
// "use":"enc", symmetric ("oct") keys and keys of unsupported types are
// skipped without rejecting the set; of two keys with the same kid the
// first in the document wins. Conditional requests (ETag, Last-Modified)
// renew a set without parsing it again.
//
// Tested: under any rate of tokens with random kids, the provider sees at
// most T/UnknownKIDCooldown + 1 such fetches in a period T (10 000 random
// kids from 100 goroutines over 5 minutes: at most 11 fetches).
//
// # Sharing between processes
//
// With a Store (Config.Store; cache/redisstore keeps one in Redis), the
// caches of a fleet's replicas fetch a JWKS about as often as one process
// would: a refresh first takes a document another replica shared, and
// only one replica at a time fetches from the provider. A Store that
// fails, or holds a record that must not serve, costs a fetch of the
// replica's own, and fails no verification.
//
// # Choosing a strategy
//
//   - Steady traffic: keep Both with the defaults (20 minutes or 1000
//     look-ups): the set is refreshed in the background every ~16 minutes,
//     or every 800 look-ups but never more often than every 30 s, and no
//     request waits.
//   - Spiky traffic: Time. Refreshes stay on the clock however bursty the
//     load, and a burst never triggers one by itself.
//   - High security, frequent rotation: Both with a shorter Interval (5
//     minutes) and a MaxStale of an hour, or a negative one: a revoked key
//     stops verifying within one interval (at once with Verifier.Refresh),
//     and stale keys are not trusted for long.
//   - Development: Time with Interval of a minute and MinRefreshInterval
//     and UnknownKIDCooldown of a second against a local issuer, so that
//     key changes show up at once.
//
// # Costs
//
// The look-up path is lock-free: the serving set is an immutable snapshot
// behind an atomic pointer, and usage is an atomic counter on a cache line
// of its own. A warm look-up allocates nothing and takes about 35 ns
// (BenchmarkKeyLookup in internal/keycache, 2 cores; jwkset's in-memory
// storage takes 235 ns on the same keys in the same run). A cache holds
// no goroutine between refreshes, only a timer.
//
// A Config is plain data; the Verifier's caches are safe for concurrent
// use, and so must a Store be.
package cache
