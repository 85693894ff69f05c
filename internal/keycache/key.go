package keycache

import (
	"context"
	"crypto"
	"math/rand/v2"

	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/refresh"
)

// Key is a verification key the cache holds: an RSA, EC or Ed25519 public
// key. It remembers the key set it came from, for Serves. The zero Key
// holds no key.
type Key struct {
	k   *key
	set *parsed
}

// ID returns the key's kid ("" if the document gives none).
func (k Key) ID() string {
	if k.k == nil {
		return ""
	}
	return k.k.id
}

// Algorithm returns the JWS algorithm the key's document names for it
// (its "alg"), or "" if it names none.
func (k Key) Algorithm() string {
	if k.k == nil {
		return ""
	}
	return k.k.alg
}

// Public returns the public key: *rsa.PublicKey, *ecdsa.PublicKey or
// ed25519.PublicKey; nil for the zero Key.
func (k Key) Public() crypto.PublicKey {
	if k.k == nil {
		return nil
	}
	return k.k.public
}

// hitSample: Serves counts the uses of a key set by sampling, one call in
// hitSample counting hitSample uses, so that callers on every core do not
// all write one counter; the count is right on average.
const hitSample = 8

// Serves reports whether k, returned by Key earlier, is still in the key
// set serving now, counting one use as Key does: for a caller that keeps
// what it verified with k and must stop trusting it once k is rotated out
// or revoked. It is true until the keys change (a refresh that brings the
// same keys keeps it true). It never waits: an expired set serves while
// its refresh runs, as in Key, and where Key would wait — past MaxStale, or
// at expiry with background refresh disabled — Serves is false.
func (c *Cache) Serves(k Key) bool {
	s := c.eng.Current()
	switch {
	case s == nil || s.keys != k.set || k.set == nil:
		return false
	case !s.spent() && (s.limit == 0 || rand.Uint32()%hitSample != 0 || c.use(s, hitSample)):
		c.touch(s)
		return true
	case s.over() || c.cfg.DisableBackgroundRefresh:
		return false
	}
	// Expired: serve, starting the refresh, as Key does. The engine does
	// not wait for a Due level; the context is not used.
	got, err := c.eng.Get(context.Background(), refresh.Request[keySet, observe.Trigger]{
		Seen: s, Level: refresh.Due, Trigger: s.trigger(),
	})
	if err != nil || got.Again {
		return false
	}
	if h := c.hooks; h != nil {
		h.StaleServed(c.src.Issuer)
	}
	c.touch(s)
	return true
}
