package keycache_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/hangtest"
	"github.com/jwtguard/jwtguard/internal/keycache"
	"github.com/jwtguard/jwtguard/internal/observe"
)

// Behaviour 6: a rotated-in key is found by one refresh, and the look-up
// that triggered it succeeds.
func TestUnknownKIDRefreshFindsRotatedKey(t *testing.T) {
	iss := startIssuer(t)
	rec := &recorder{}
	c := newCache(t, iss, cache.Config{Metrics: rec.Hooks()})
	mustKey(t, c, iss.KID())
	base := iss.Fetches()
	kid := iss.AddKey("EdDSA")
	mustKey(t, c, kid)
	if got := iss.Fetches() - base; got != 1 {
		t.Errorf("%d fetches for the rotation, want 1", got)
	}
	if rec.kidCount(observe.KIDRefreshed) != 1 || rec.last(t).Trigger != observe.TriggerUnknownKID {
		t.Errorf("hooks: %v, last %+v; want one refreshed unknown kid", rec.kid, rec.last(t))
	}
}

func TestUnknownKIDErrors(t *testing.T) {
	iss := startIssuer(t)
	c := newCache(t, iss, cache.Config{})
	_, err := c.Key(context.Background(), "nope")
	if !errors.Is(err, keycache.ErrKeyNotFound) {
		t.Fatalf("unknown kid: %v, want ErrKeyNotFound", err)
	}
}

// Concurrent look-ups of unknown kids share one refresh.
func TestUnknownKIDCoalesced(t *testing.T) {
	iss := startIssuer(t)
	synctest.Test(t, func(t *testing.T) {
		gate := hangtest.NewGate()
		c := newCache(t, iss, cache.Config{HTTPClient: gate.Client()})
		mustKey(t, c, iss.KID()) // the first fetch goes through
		gate.Shut()
		base := iss.Fetches()
		kid := iss.AddKey("ES256")
		var wg sync.WaitGroup
		var ok atomic.Int64
		for range 100 {
			wg.Go(func() {
				if _, err := c.Key(context.Background(), kid); err == nil {
					ok.Add(1)
				}
			})
		}
		synctest.Wait() // every look-up is waiting: on the fetch, or in it
		if n := gate.Held(); n != 1 {
			t.Errorf("%d requests in flight for 100 concurrent look-ups of one new kid, want 1", n)
		}
		gate.Open()
		wg.Wait()
		if got := iss.Fetches() - base; got != 1 {
			t.Errorf("%d fetches, want 1", got)
		}
		if ok.Load() != 100 {
			t.Errorf("%d of 100 look-ups found the rotated key", ok.Load())
		}
	})
}

// During the cooldown an unknown kid fails at once, without a fetch and
// without waiting; a failed fetch does not use the cooldown up but backs
// off.
func TestUnknownKIDCooldownAndBackoff(t *testing.T) {
	iss := startIssuer(t)
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		c := newCache(t, iss, cache.Config{UnknownKIDCooldown: time.Minute, MinRefreshInterval: 10 * time.Second, Metrics: rec.Hooks()})
		mustKey(t, c, iss.KID())
		base := iss.Fetches()
		if _, err := c.Key(context.Background(), "random-1"); !errors.Is(err, keycache.ErrKeyNotFound) {
			t.Fatal(err)
		}
		if iss.Fetches()-base != 1 || rec.kidCount(observe.KIDRejected) != 1 {
			t.Fatalf("first unknown kid: %d fetches, hooks %v", iss.Fetches()-base, rec.kid)
		}
		start := time.Now()
		for i := range 1000 {
			if _, err := c.Key(context.Background(), fmt.Sprint("random-x", i)); !errors.Is(err, keycache.ErrKeyNotFound) {
				t.Fatal(err)
			}
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("suppressed look-ups waited %v", d)
		}
		if iss.Fetches()-base != 1 || rec.kidCount(observe.KIDSuppressed) != 1000 {
			t.Fatalf("during cooldown: %d fetches, hooks %v; want 1 fetch, 1000 suppressed", iss.Fetches()-base, rec.kid)
		}
		// A failing provider: the cooldown is not used up, the backoff is.
		time.Sleep(time.Minute)
		iss.SetStatus(http.StatusInternalServerError)
		c.Key(context.Background(), "random-2") // fetch, fails
		if iss.Fetches()-base != 2 {
			t.Fatalf("after the cooldown: %d fetches, want 2", iss.Fetches()-base)
		}
		iss.SetStatus(0)
		kid := iss.AddKey("RS256")
		time.Sleep(13 * time.Second) // the backoff (10 s + ≤20%), well inside a cooldown
		mustKey(t, c, kid)
		if iss.Fetches()-base != 3 {
			t.Fatalf("after the backoff: %d fetches, want 3", iss.Fetches()-base)
		}
	})
}

// The flood: 100 goroutines send 10 000 look-ups of random kids over a
// simulated 5 minutes. The provider sees at most 5 min / cooldown + 1
// unknown-kid fetches, and a key published during the flood is accepted
// no later than one cooldown after publication.
func TestUnknownKIDFlood(t *testing.T) {
	iss := startIssuer(t)
	synctest.Test(t, func(t *testing.T) {
		const cooldown, span = 30 * time.Second, 5 * time.Minute
		rec := &recorder{}
		c := newCache(t, iss, cache.Config{UnknownKIDCooldown: cooldown, Metrics: rec.Hooks()})
		mustKey(t, c, iss.KID())
		base := iss.Fetches()
		start := time.Now()

		var wg sync.WaitGroup
		for g := range 100 {
			wg.Go(func() {
				r := rand.New(rand.NewPCG(uint64(g), 1))
				at := make([]time.Duration, 100) // send times within the span
				for i := range at {
					at[i] = time.Duration(r.Int64N(int64(span)))
				}
				slices.Sort(at)
				for _, d := range at {
					time.Sleep(d - time.Since(start))
					kid := fmt.Sprintf("attacker-%x", r.Uint64())
					if _, err := c.Key(context.Background(), kid); !errors.Is(err, keycache.ErrKeyNotFound) {
						t.Errorf("random kid %s: %v", kid, err)
						return
					}
				}
			})
		}

		// A real rotation in the middle of the flood.
		time.Sleep(2*time.Minute + 7*time.Second)
		kid := iss.AddKey("RS256")
		// One cooldown later the key is accepted, whoever's refresh found
		// it (a flood token's, or this look-up's own).
		time.Sleep(cooldown)
		_, rotationErr := c.Key(context.Background(), kid)
		wg.Wait()
		elapsed := time.Since(start)

		if rotationErr != nil {
			t.Errorf("rotated key, one cooldown after publication: %v", rotationErr)
		}
		if elapsed > span {
			t.Fatalf("the flood lasted %v, want %v", elapsed, span)
		}
		limit := int64(span/cooldown) + 1 // 11
		if got := iss.Fetches() - base; got > limit {
			t.Errorf("%d fetches in %v of flood, want ≤ %d", got, elapsed, limit)
		}
		if rec.kidCount(observe.KIDSuppressed) < 9000 {
			t.Errorf("only %d of 10 000 random kids suppressed", rec.kidCount(observe.KIDSuppressed))
		}
		t.Logf("flood of %v: %d fetches (limit %d), kid actions %v", elapsed, iss.Fetches()-base, limit, rec.kid)
	})
}
