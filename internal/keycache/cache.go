package keycache

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/refresh"
	"github.com/jwtguard/jwtguard/internal/safehttp"
)

// Cache holds the verification keys of one JWKS URL and keeps them fresh:
// the key cache a Verifier holds for one provider or tenant. Its methods
// are safe for concurrent use. Create it with New and stop it with Close.
type Cache struct {
	src    Source
	cfg    cache.Config // with the defaults set
	client *http.Client
	hooks  observe.Keys // nil if nobody listens

	// eng holds the key set serving now (nil before the first fetch and
	// after the keys outlived MaxStale; readers never lock) and runs its
	// refreshes.
	eng *refresh.Engine[keySet, observe.Trigger]
	// kidUntil is the end of the unknown-kid cooldown, in Unix nanoseconds;
	// holdKID is kidCooldown, made once (a method value allocates).
	kidUntil atomic.Int64
	holdKID  func() time.Time

	stopWatch func()
	closeOnce sync.Once
}

// New validates src and cfg and returns a Cache of src's keys. It does
// not fetch: the first look-up does, or call Load to have the keys before
// serving. A Cache holds no goroutine between refreshes: the background
// refresh waits on a timer, and each fetch runs in a goroutine of its own
// while it is in flight. Close stops both.
func New(src Source, cfg cache.Config) (*Cache, error) {
	if err := src.check(); err != nil {
		return nil, err
	}
	cfg, err := withDefaults(cfg)
	if err != nil {
		return nil, err
	}
	hooks, err := keyHooks(cfg.Metrics)
	if err != nil {
		return nil, err
	}
	c := &Cache{src: src, cfg: cfg, client: safehttp.Client(cfg.HTTPClient), hooks: hooks}
	c.holdKID = c.kidCooldown
	ec := refresh.Config[keySet, observe.Trigger]{
		Refresh:    c.refresh,
		Background: observe.TriggerBackground,
		Sync:       cfg.DisableBackgroundRefresh,
		Timeout:    cfg.FetchTimeout,
		MinBackoff: cfg.MinRefreshInterval,
		MaxBackoff: cfg.Interval,
		// With nothing to serve, every request fails: retry sooner.
		EmptyBackoff:  2 * cfg.MinRefreshInterval,
		RetryAfter:    statusRetryAfter,
		MaxRetryAfter: cfg.Interval,
	}
	if !cfg.DisableBackgroundRefresh {
		ec.Due = c.due
	}
	c.eng = refresh.New(ec)
	if cfg.Store != nil {
		stop, err := cfg.Store.Watch(src.URL, c.loadShared)
		if err != nil {
			c.eng.Close()
			return nil, fmt.Errorf("cache: watching store: %w", err)
		}
		c.stopWatch = stop
	}
	return c, nil
}

// Close stops the cache: it cancels a fetch in flight, stops the
// background refresh and the store's notices, and lets go of the keys
// (and their timers). After Close, Key fails with an *UnavailableError
// matching ErrClosed and Serves is false. Close is idempotent and always
// returns nil.
func (c *Cache) Close() error {
	c.closeOnce.Do(func() {
		if c.stopWatch != nil {
			c.stopWatch() // no shared document is published after this
		}
		c.eng.Close() // nor a fetched one
		if s := c.eng.Current(); s != nil && c.eng.Drop(s) {
			s.retire()
		}
	})
	return nil
}

// Key returns the key for kid; a hit counts one use. An empty kid returns
// the only key of a set that holds exactly one. It waits for the network
// only when there are no keys to serve: before the first fetch, past
// MaxStale, or (DisableBackgroundRefresh) at expiry; an expired set keeps
// serving while its refresh runs. For a kid it does not hold it may
// refresh once under the unknown-kid guard. Look-ups of unknown kids do
// not count as uses, so tokens with invented kids cannot drive the usage
// policy.
func (c *Cache) Key(ctx context.Context, kid string) (Key, error) {
	s := c.eng.Current()
	if s == nil || s.spent() {
		return c.keyAfterExpiry(ctx, s, kid)
	}
	k, err := s.pick(kid)
	switch {
	case err == errNotHeld:
		return c.unknownKID(ctx, s, kid)
	case err != nil:
		return Key{}, err
	case s.limit > 0 && !c.use(s, 1):
		return c.keyAfterExpiry(ctx, s, kid) // this use spent the set
	}
	c.touch(s)
	return k, nil
}

// keyAfterExpiry is Key for a set that is nil or spent: it serves the
// set while it may (starting its refresh), else waits for a refresh.
func (c *Cache) keyAfterExpiry(ctx context.Context, s *keySet, kid string) (Key, error) {
	r := refresh.Request[keySet, observe.Trigger]{Seen: s, Level: refresh.None, Trigger: observe.TriggerInitial}
	if s != nil {
		r.Trigger = s.trigger()
		if !s.over() {
			r.Level = refresh.Stale
		}
	}
	got, err := c.eng.Get(ctx, r)
	if err != nil {
		if s != nil && r.Level == refresh.None && c.eng.Drop(s) { // past MaxStale
			s.retire()
		}
		return Key{}, unavailable(err)
	}
	if got.Again {
		return c.Key(ctx, kid)
	}
	s = got.Value
	if s == nil || s.over() {
		// Judged before a wait, a set may have passed MaxStale during it.
		if s != nil && c.eng.Drop(s) {
			s.retire()
		}
		return Key{}, &UnavailableError{}
	}
	if s == r.Seen {
		if h := c.hooks; h != nil {
			h.StaleServed(c.src.Issuer)
		}
	}
	k, err := s.pick(kid)
	switch {
	case err == errNotHeld:
		return c.unknownKID(ctx, s, kid)
	case err != nil:
		return Key{}, err
	case s.limit > 0:
		c.use(s, 1) // counted; a set that got here serves regardless
	}
	c.touch(s)
	return k, nil
}

// trigger is the trigger of the refresh of s, which expired.
func (s *keySet) trigger() observe.Trigger {
	if s.usedUp.Load() != 0 {
		return observe.TriggerUsage
	}
	return observe.TriggerTime
}

// unavailable turns the engine's failure into an *UnavailableError.
func unavailable(err error) error {
	var re *refresh.Error
	if !errors.As(err, &re) {
		return &UnavailableError{Err: err}
	}
	if re.Reason == refresh.Closed {
		return &UnavailableError{Err: ErrClosed}
	}
	return &UnavailableError{RetryAfter: re.RetryAfter, Err: re.Err}
}

// use counts n uses of s and reports whether s may still serve: false
// once Usages are spent and the usage floor has passed. The floor keeps a
// busy usage policy from hammering the provider: a set lives at least
// MinRefreshInterval/Threshold, its background refresh running at
// MinRefreshInterval.
func (c *Cache) use(s *keySet, n int64) bool {
	u := s.uses.Add(n)
	if u >= s.softUses && u-n < s.softUses {
		c.eng.Poke()
	}
	if u <= s.limit || !s.floorPassed.Load() {
		return true
	}
	if s.usedUp.Load() == 0 {
		if now := time.Now(); s.usedUp.CompareAndSwap(0, now.UnixNano()) {
			s.spend(now)
		}
	}
	return false
}

// Load makes sure the cache holds keys that have not expired (by time or
// usage), fetching if it does not; it returns the fetch's error. Call it
// at startup to fail readiness while the provider cannot be reached.
func (c *Cache) Load(ctx context.Context) error {
	if s := c.eng.Current(); s != nil && !s.spent() {
		return nil
	}
	return c.Refresh(ctx)
}

// Refresh fetches the key set now, regardless of the policy's schedule and
// backoff, and returns the outcome. A refresh already in flight is joined
// instead. ctx bounds the wait, not the fetch.
func (c *Cache) Refresh(ctx context.Context) error {
	trigger := observe.TriggerManual
	if c.eng.Current() == nil {
		trigger = observe.TriggerInitial
	}
	err := c.eng.Refresh(ctx, trigger)
	var re *refresh.Error
	if errors.As(err, &re) {
		switch re.Reason {
		case refresh.Closed:
			return ErrClosed
		case refresh.GaveUp:
			return fmt.Errorf("cache: waiting for refresh: %w", re.Err)
		}
	}
	return err
}

// kidCooldown is the end of the unknown-kid cooldown, zero if none ran.
func (c *Cache) kidCooldown() time.Time {
	if u := c.kidUntil.Load(); u != 0 {
		return time.Unix(0, u)
	}
	return time.Time{}
}

// unknownKID handles a kid the set seen does not hold: join a refresh in
// flight, or start one if the cooldown and backoff allow, then look again.
// If seen has been replaced meanwhile, it looks in the new set instead.
// Without a refresh it fails at once.
func (c *Cache) unknownKID(ctx context.Context, seen *keySet, kid string) (Key, error) {
	h := c.hooks
	got, err := c.eng.Get(ctx, refresh.Request[keySet, observe.Trigger]{
		Seen: seen, Level: refresh.Lacking, Trigger: observe.TriggerUnknownKID, Hold: c.holdKID,
	})
	// Get's errors are *refresh.Error itself: asserted, not errors.As,
	// which would put re on the heap for every token of a random kid.
	re, _ := err.(*refresh.Error)
	switch {
	case re != nil && re.Reason == refresh.GaveUp:
		return Key{}, fmt.Errorf("%w: %w", ErrKeyNotFound, re.Err)
	case re != nil && re.Reason == refresh.Held:
		if h != nil {
			h.UnknownKID(c.src.Issuer, observe.KIDSuppressed)
		}
		return Key{}, ErrKeyNotFound
	case err == nil && got.Again:
		return c.Key(ctx, kid)
	case err == nil && got.Value != nil:
		if k, err := got.Value.pick(kid); err == nil {
			c.touch(got.Value)
			if h != nil {
				h.UnknownKID(c.src.Issuer, observe.KIDRefreshed)
			}
			return k, nil
		}
	case re != nil && re.Reason == refresh.Closed:
		return Key{}, &UnavailableError{Err: ErrClosed}
	}
	if h != nil {
		h.UnknownKID(c.src.Issuer, observe.KIDRejected)
	}
	return Key{}, ErrKeyNotFound
}
