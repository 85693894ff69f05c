package keycache_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/hangtest"
	"github.com/jwtguard/jwtguard/internal/keycache"
)

// The headline guarantee: once keys exist, no look-up waits for the
// identity provider, under every strategy, threshold, refresh floor and
// rate of traffic, while every refresh hangs in the provider — until the
// keys are MaxStale past their expiry.
//
// In a synctest bubble the clock moves only when every goroutine is
// durably blocked, so a look-up that returns at the instant it was made
// did not wait; one that waited on the hanging fetch would return at
// least one tick later (FetchTimeout, or never). That holds under any
// scheduling.
func TestNoLookupWaitsWhileKeysExist(t *testing.T) {
	iss := startIssuer(t)
	kid := iss.KID()
	const interval = time.Minute
	traffic := []struct {
		name   string
		perSec int
	}{{"idle", 0}, {"1/s", 1}, {"10000/s", 10000}}
	for _, strategy := range []cache.Strategy{cache.Time, cache.Usage, cache.Both} {
		for _, threshold := range []float64{0.5, 0.8, 0.95} {
			for _, floor := range []time.Duration{time.Second, 30 * time.Second} { // 30 s: the default
				for _, tr := range traffic {
					name := fmt.Sprintf("%s/threshold=%v/floor=%v/%s", strategy, threshold, floor, tr.name)
					t.Run(name, func(t *testing.T) {
						synctest.Test(t, func(t *testing.T) {
							g := hangtest.NewGate()
							c := newCache(t, iss, cache.Config{
								Strategy: strategy, Interval: interval, Usages: 1000,
								Threshold: threshold, MinRefreshInterval: floor,
								HTTPClient: g.Client(),
							})
							mustKey(t, c, kid)
							g.Shut() // every refresh from now on hangs
							defer g.Open()

							waited := hangtest.Traffic(2*interval, tr.perSec, func() error {
								_, err := c.Key(context.Background(), kid)
								return err
							})
							if waited != "" {
								t.Fatal(waited)
							}
							if strategy != cache.Usage && g.Held() == 0 {
								t.Fatal("no refresh was attempted in two lifetimes: the test tested nothing")
							}
						})
					})
				}
			}
		}
	}
}

// Past MaxStale the keys no longer serve: look-ups wait for a refresh or,
// while refreshes back off, fail at once with ErrUnavailable.
func TestLookupsFailPastMaxStale(t *testing.T) {
	iss := startIssuer(t)
	kid := iss.KID()
	synctest.Test(t, func(t *testing.T) {
		g := hangtest.NewGate()
		c := newCache(t, iss, cache.Config{
			Strategy: cache.Time, Interval: time.Minute, MaxStale: 30 * time.Second, HTTPClient: g.Client(),
		})
		mustKey(t, c, kid)
		g.Shut()
		defer g.Open()
		if waited := hangtest.Traffic(90*time.Second-time.Millisecond, 1, func() error {
			_, err := c.Key(context.Background(), kid)
			return err
		}); waited != "" {
			t.Fatalf("within MaxStale: %s", waited)
		}
		time.Sleep(time.Millisecond) // expiry (60 s) + MaxStale (30 s)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if _, err := c.Key(ctx, kid); !errors.Is(err, keycache.ErrUnavailable) {
			t.Fatalf("past MaxStale: %v, want ErrUnavailable", err)
		}
		if keys := c.Keys(); keys != nil {
			t.Errorf("past MaxStale the cache still holds %d keys", len(keys))
		}
	})
}

// A caller with no keys to serve that gives up on a hanging fetch is told
// to retry when that fetch ends at the latest (the middleware's 503
// Retry-After), not at once.
func TestGaveUpRetryAfterIsTheFetchsTimeLeft(t *testing.T) {
	iss := startIssuer(t)
	synctest.Test(t, func(t *testing.T) {
		g := hangtest.NewGate()
		c := newCache(t, iss, cache.Config{FetchTimeout: 10 * time.Second, HTTPClient: g.Client()})
		g.Shut()
		defer g.Open()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, err := c.Key(ctx, iss.KID())
		var ue *keycache.UnavailableError
		if !errors.As(err, &ue) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("cold start, provider hanging: %v, want ErrUnavailable wrapping DeadlineExceeded", err)
		}
		if ue.RetryAfter != 8*time.Second {
			t.Errorf("RetryAfter %v, want the fetch's 8s left", ue.RetryAfter)
		}
	})
}

// A set judged servable before a wait is not handed out if it passed
// MaxStale during the wait (DisableBackgroundRefresh: expiry waits for the
// refresh, here hanging until FetchTimeout).
func TestNoKeysPastMaxStaleAfterAWait(t *testing.T) {
	iss := startIssuer(t)
	kid := iss.KID()
	synctest.Test(t, func(t *testing.T) {
		g := hangtest.NewGate()
		c := newCache(t, iss, cache.Config{
			Strategy: cache.Time, Interval: time.Minute, MaxStale: 5 * time.Second, FetchTimeout: 10 * time.Second,
			DisableBackgroundRefresh: true, HTTPClient: g.Client(),
		})
		mustKey(t, c, kid)
		g.Shut()
		defer g.Open()
		time.Sleep(64 * time.Second) // expiry + 4 s: stale, within MaxStale
		_, err := c.Key(context.Background(), kid)
		if !errors.Is(err, keycache.ErrUnavailable) {
			t.Fatalf("a look-up that waited from expiry+4s to expiry+14s: %v, want ErrUnavailable (MaxStale 5s)", err)
		}
	})
}

// A document taken already past its lifetime — a shared one, fetched long
// ago — is past MaxStale from its expiry, not from when it arrived.
func TestOldSharedDocumentIsNotStale(t *testing.T) {
	iss := startIssuer(t)
	kid := iss.KID()
	synctest.Test(t, func(t *testing.T) {
		st := &memStore{}
		first := newCache(t, iss, cache.Config{Strategy: cache.Time, Interval: time.Minute, MaxStale: 30 * time.Second, Store: st})
		mustKey(t, first, kid) // shares its document
		first.Close()
		time.Sleep(time.Hour)

		g := hangtest.NewGate()
		g.Shut()
		defer g.Open()
		late := newCache(t, iss, cache.Config{
			Strategy: cache.Time, Interval: time.Minute, MaxStale: 30 * time.Second, Store: st, HTTPClient: g.Client(),
		})
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if _, err := late.Key(ctx, kid); !errors.Is(err, keycache.ErrUnavailable) {
			t.Fatalf("keys shared an hour ago, provider hanging: %v, want ErrUnavailable", err)
		}
	})
}
