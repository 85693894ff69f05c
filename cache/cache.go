package cache

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/MicahParks/jwkset"

	"github.com/jwtguard/jwtguard/internal/safehttp"
)

// Cache holds the verification keys of one JWKS URL and keeps them fresh.
// Its methods are safe for concurrent use. Create it with New and stop its
// goroutines with Close.
type Cache struct {
	cfg    Config
	client *http.Client

	// set is the key set serving now; nil before the first fetch and after
	// the keys outlived MaxStale. Readers never lock.
	set atomic.Pointer[keySet]
	// inflight is the refresh running now, if any.
	inflight atomic.Pointer[flight]
	// retryAt is the end of the backoff after failed fetches and kidUntil
	// the end of the unknown-kid cooldown, in Unix nanoseconds: read
	// without the lock, written under it.
	retryAt  atomic.Int64
	kidUntil atomic.Int64

	mu       sync.Mutex // serializes starting refreshes and publishing sets
	failures int
	lastErr  error
	closed   bool

	wake      chan struct{} // re-plans the background refresh
	done      chan struct{} // closed by Close
	wg        sync.WaitGroup
	stopWatch func()
}

// New validates cfg and returns a Cache. It does not fetch: the first
// look-up does, or call Load to have the keys before serving. Unless
// background refresh is disabled, New starts one goroutine, which Close
// stops.
func New(cfg Config) (*Cache, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &Cache{
		cfg:    cfg,
		client: safehttp.Client(cfg.HTTPClient),
		wake:   make(chan struct{}, 1),
		done:   make(chan struct{}),
	}
	if cfg.Store != nil {
		stop, err := cfg.Store.Watch(cfg.URL, c.loadShared)
		if err != nil {
			return nil, fmt.Errorf("cache: watching store: %w", err)
		}
		c.stopWatch = stop
	}
	if !cfg.DisableBackgroundRefresh {
		c.wg.Add(1)
		go c.background()
	}
	return c, nil
}

// Close stops the cache's goroutines and cancels a fetch in flight. Keys
// already held keep serving until they expire; no refresh starts after
// Close. Close is idempotent and always returns nil.
func (c *Cache) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	f := c.inflight.Load()
	c.mu.Unlock()
	if f != nil {
		f.cancel()
	}
	close(c.done)
	if c.stopWatch != nil {
		c.stopWatch()
	}
	c.wg.Wait()
	return nil
}

// URL returns the JWKS URL of the cache.
func (c *Cache) URL() string { return c.cfg.URL }

// Key returns the key for kid; a hit counts one use. An empty kid returns
// the only key of a set that holds exactly one. It fetches when there are
// no keys, waits for a refresh when the set has expired (bounded by ctx),
// and for a kid it does not hold may refresh once under the unknown-kid
// guard. Look-ups of unknown kids do not count as uses, so tokens with
// invented kids cannot drive the usage policy.
func (c *Cache) Key(ctx context.Context, kid string) (jwkset.JWK, error) {
	s := c.set.Load()
	if s == nil || s.spent() {
		return c.keyAfterExpiry(ctx, s, kid)
	}
	k, err := s.pick(kid)
	switch {
	case err == errNotHeld:
		return c.unknownKID(ctx, s, kid)
	case err != nil:
		return jwkset.JWK{}, err
	case s.limit > 0 && !c.use(s):
		return c.keyAfterExpiry(ctx, s, kid) // this use spent the set
	}
	return *k, nil
}

// keyAfterExpiry is Key for a set that is nil or spent: the keys a
// refresh brings, or stale ones (see expired).
func (c *Cache) keyAfterExpiry(ctx context.Context, s *keySet, kid string) (jwkset.JWK, error) {
	s, err := c.expired(ctx, s)
	if err != nil {
		return jwkset.JWK{}, err
	}
	k, err := s.pick(kid)
	switch {
	case err == errNotHeld:
		return c.unknownKID(ctx, s, kid)
	case err != nil:
		return jwkset.JWK{}, err
	case s.limit > 0:
		c.use(s) // counted; a stale set serves on regardless
	}
	return *k, nil
}

// use counts one use of s and reports whether s may still serve: false
// once Usages are spent and the usage floor has passed. The floor keeps a
// busy usage policy from hammering the provider: a set lives at least
// MinRefreshInterval/Threshold, its background refresh running at
// MinRefreshInterval.
func (c *Cache) use(s *keySet) bool {
	n := s.uses.Add(1)
	if n == s.softUses {
		c.poke()
	}
	if n <= s.limit {
		return true
	}
	now := time.Now()
	if now.Before(s.usageFloor) {
		return true
	}
	s.usedUp.CompareAndSwap(0, now.UnixNano())
	return false
}

// Keys returns the keys serving now, in document order, without counting a
// use or fetching.
func (c *Cache) Keys() []jwkset.JWK {
	s := c.set.Load()
	if s == nil {
		return nil
	}
	return append([]jwkset.JWK(nil), s.list...)
}

// Load makes sure the cache holds keys that have not expired (by time or
// usage), fetching if it does not; it returns the fetch's error. Call it
// at startup to fail readiness while the provider cannot be reached.
func (c *Cache) Load(ctx context.Context) error {
	if s := c.set.Load(); s != nil && !s.spent() {
		return nil
	}
	return c.Refresh(ctx)
}

// Refresh fetches the key set now, regardless of the policy's schedule and
// backoff, and returns the outcome. A refresh already in flight is joined
// instead. ctx bounds the wait, not the fetch.
func (c *Cache) Refresh(ctx context.Context) error {
	trigger := TriggerManual
	if c.set.Load() == nil {
		trigger = TriggerInitial
	}
	f, err := c.start(trigger, true, nil)
	if err != nil {
		return err
	}
	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		return fmt.Errorf("cache: waiting for refresh: %w", ctx.Err())
	}
}

// expired returns keys to serve when s is nil or expired: a refreshed set
// if a refresh (started or joined here) succeeds, else s while it is within
// MaxStale, else an *UnavailableError.
func (c *Cache) expired(ctx context.Context, s *keySet) (*keySet, error) {
	trigger := TriggerInitial
	if s != nil {
		trigger = TriggerTime
		if s.usedUp.Load() != 0 {
			trigger = TriggerUsage
		}
	}
	now := time.Now()
	// Read before the refresh starts: one that ends at once must not decide
	// for the caller whether refreshes were failing.
	failing := c.retryAt.Load() != 0
	var f *flight
	// While backing off, do not touch the lock: serve stale or fail fast.
	if c.inflight.Load() != nil || !c.held(trigger, now) {
		var err error
		if f, err = c.start(trigger, false, s); err != nil {
			return nil, &UnavailableError{Err: err}
		}
	}
	if f == nil {
		if ns := c.set.Load(); ns != s { // replaced since the caller looked
			if ns != nil && !ns.spent() {
				return ns, nil
			}
			return c.expired(ctx, ns)
		}
	}
	// Wait for the refresh, unless refreshes are failing (there is a
	// backoff) and stale keys may serve: then the retry runs while they do.
	var waitErr error
	if f != nil && !(s != nil && failing && c.staleOK(s, now)) {
		select {
		case <-f.done:
			if f.err == nil {
				if ns := c.set.Load(); ns != nil {
					return ns, nil
				}
			}
		case <-ctx.Done():
			waitErr = ctx.Err() // the caller gives up: stale keys, if any, will do
		}
		now = time.Now()
	}
	if s != nil && c.staleOK(s, now) {
		if h := c.cfg.Hooks; h != nil {
			h.StaleServed(c.cfg.Issuer)
		}
		return s, nil
	}
	if s != nil && c.set.CompareAndSwap(s, nil) { // past MaxStale: drop the keys
		s.retire()
	}
	if waitErr == nil {
		c.mu.Lock()
		waitErr = c.lastErr
		c.mu.Unlock()
	}
	return nil, &UnavailableError{RetryAfter: max(0, time.Unix(0, c.retryAt.Load()).Sub(now)), Err: waitErr}
}

// staleOK reports whether the expired set s may still serve at now.
func (c *Cache) staleOK(s *keySet, now time.Time) bool {
	if c.cfg.MaxStale < 0 {
		return false
	}
	var at time.Time
	if !s.expires.IsZero() && !now.Before(s.expires) {
		at = s.expires
	}
	if u := s.usedUp.Load(); u != 0 && (at.IsZero() || u < at.UnixNano()) {
		at = time.Unix(0, u)
	}
	return at.IsZero() || now.Before(at.Add(c.cfg.MaxStale))
}

// unknownKID handles a kid the set seen does not hold: join a refresh in
// flight, or start one if the cooldown and backoff allow, then look again.
// If seen has been replaced meanwhile, it looks in the new set instead.
// Without a refresh it fails at once.
func (c *Cache) unknownKID(ctx context.Context, seen *keySet, kid string) (jwkset.JWK, error) {
	h := c.cfg.Hooks
	var f *flight
	if c.inflight.Load() != nil || !c.held(TriggerUnknownKID, time.Now()) {
		var err error
		if f, err = c.start(TriggerUnknownKID, false, seen); err != nil {
			return jwkset.JWK{}, ErrKeyNotFound
		}
	}
	if f == nil {
		if c.set.Load() != seen {
			return c.Key(ctx, kid)
		}
		if h != nil {
			h.UnknownKID(c.cfg.Issuer, KIDSuppressed)
		}
		return jwkset.JWK{}, ErrKeyNotFound
	}
	select {
	case <-f.done:
	case <-ctx.Done():
		return jwkset.JWK{}, fmt.Errorf("%w: %w", ErrKeyNotFound, ctx.Err())
	}
	if s := c.set.Load(); f.err == nil && s != nil {
		if k := s.byKID[kid]; k != nil {
			if h != nil {
				h.UnknownKID(c.cfg.Issuer, KIDRefreshed)
			}
			return *k, nil
		}
	}
	if h != nil {
		h.UnknownKID(c.cfg.Issuer, KIDRejected)
	}
	return jwkset.JWK{}, ErrKeyNotFound
}

// poke asks the background goroutine to re-plan.
func (c *Cache) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}
