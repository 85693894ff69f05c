// Package redistoken keeps m2m tokens in Redis, so that every process
// (TokenSource) or replica (m2m.NewProxy) sharing it spends one token per
// lifetime: one of them mints under a short Redis lock while the others
// wait for its result and read it.
//
// Tokens at rest are sealed with AES-GCM under a key the caller provides,
// bound to the Redis key they are stored under; what cannot be opened (a
// wrong key, a damaged value) counts as no token, is reported (an error
// wrapping m2m.ErrBadRecord), and is replaced by a new one. Redis keys are
// the prefix and a hex digest: neither client ids nor secrets appear in
// them.
//
// Every Redis call is cut off after Config.Timeout (500 milliseconds by
// default), which is why the client must be created with
// ContextTimeoutEnabled: true (New refuses one without it). When Redis
// cannot be reached, fails or does not answer in time, tokens are minted
// without it and the error is logged and counted (the source's Logger
// and Metrics) — unless the caller's own context has ended, which is no
// failure of Redis: the caller then gets that context's error, and
// nothing is reported or minted.
//
// The store keeps tokens and locks; the TokenSource or proxy runs the
// protocol over it (see m2m.Store). A process waiting for another's mint
// polls Redis (10 ms doubling to 100 ms), takes the lock over once it is
// released or expires (Config.LockTTL) without a token, and mints itself
// after half its Timeout. A failure is not shared across processes: each
// process whose callers wait makes one request of its own, in turn, under
// the lock. The client may be a single Redis or a Redis Cluster.
//
// The store is safe for concurrent use and starts no goroutine; the Redis
// client stays the caller's to close.
package redistoken
