package keycache_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/keycache"
)

// SkipIdleRefresh: a set nobody looks up is not refreshed in the
// background, and once it has expired its next look-up serves it while
// its refresh runs (within MaxStale) or waits like a first look-up (past
// it). A set in use is refreshed in the background as always, so a busy
// cache never waits.
func TestSkipIdleRefresh(t *testing.T) {
	iss := startIssuer(t)
	kid := iss.KID()
	cfg := cache.Config{Strategy: cache.Time, Interval: time.Minute, MaxStale: time.Minute, SkipIdleRefresh: true}
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		cfg := cfg
		cfg.Metrics = rec.Hooks()
		c := newCache(t, iss, cfg)
		if err := c.Load(context.Background()); err != nil {
			t.Fatal(err)
		}
		base := iss.Fetches()
		time.Sleep(90 * time.Second) // expired, nobody looked
		synctest.Wait()
		if n := iss.Fetches() - base; n != 0 {
			t.Fatalf("%d fetches for an idle cache, want none", n)
		}
		mustKey(t, c, kid) // stale: served, its refresh started
		synctest.Wait()
		if n, s := iss.Fetches()-base, rec.staleCount(); n != 1 || s != 1 {
			t.Fatalf("look-up of an expired idle set: %d fetches, %d stale uses; want 1 and 1", n, s)
		}

		// In use: refreshed in the background, before it expires.
		base = iss.Fetches()
		for range 5 {
			time.Sleep(30 * time.Second)
			mustKey(t, c, kid)
		}
		synctest.Wait()
		if n, s := iss.Fetches()-base, rec.staleCount(); n < 2 || s != 1 {
			t.Fatalf("a set in use: %d background fetches in 150s, %d stale uses; want at least 2 and no new stale use", n, s)
		}

		// Idle past MaxStale: the next look-up waits for a fetch.
		time.Sleep(3 * time.Minute)
		synctest.Wait()
		base = iss.Fetches()
		mustKey(t, c, kid)
		if n, s := iss.Fetches()-base, rec.staleCount(); n != 1 || s != 1 {
			t.Fatalf("look-up past MaxStale: %d fetches, %d stale uses; want 1 (waited for) and no new stale use", n, s)
		}
	})
}

// After Close a cache serves nothing: its keys (and their timers) are let
// go, Key fails as unavailable and closed, Serves is false.
func TestCloseLetsGoOfKeys(t *testing.T) {
	iss := startIssuer(t)
	c := newCache(t, iss, cache.Config{})
	k, err := c.Key(context.Background(), iss.KID())
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	var ue *keycache.UnavailableError
	if _, err := c.Key(context.Background(), iss.KID()); !errors.As(err, &ue) || !errors.Is(err, keycache.ErrClosed) {
		t.Errorf("Key after Close: %v, want an UnavailableError matching ErrClosed", err)
	}
	if c.Serves(k) || len(c.Keys()) != 0 {
		t.Errorf("after Close: Serves = %v, %d keys; want false and none", c.Serves(k), len(c.Keys()))
	}
}
