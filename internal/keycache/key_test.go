package keycache_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/keycache"
)

// Serves: true while the key's set serves, across refreshes that bring
// the same keys; false once the keys change, past MaxStale, and for the
// zero Key. It never fetches.
func TestServes(t *testing.T) {
	iss := startIssuer(t)
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		c := newCache(t, iss, cache.Config{Strategy: cache.Time, Interval: time.Minute, MaxStale: time.Minute, Metrics: rec.Hooks()})
		if c.Serves(keycache.Key{}) {
			t.Fatal("the zero Key serves")
		}
		k, err := c.Key(context.Background(), iss.KID())
		if err != nil {
			t.Fatal(err)
		}
		if k.ID() != iss.KID() || k.Algorithm() != "RS256" || k.Public() == nil {
			t.Fatalf("Key = %q %q %T", k.ID(), k.Algorithm(), k.Public())
		}
		if !c.Serves(k) {
			t.Fatal("a key just returned does not serve")
		}
		if err := c.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		if !c.Serves(k) {
			t.Fatal("a refresh that brought the same keys retired the key")
		}

		// Expired, with the provider down: served while MaxStale allows,
		// the refresh started by Serves itself.
		iss.SetStatus(503)
		fetches := iss.Fetches()
		time.Sleep(61 * time.Second)
		if !c.Serves(k) {
			t.Fatal("an expired key within MaxStale does not serve")
		}
		synctest.Wait()
		if iss.Fetches() == fetches || rec.staleCount() == 0 {
			t.Fatalf("serving an expired key: %d fetches, %d stale uses reported", iss.Fetches()-fetches, rec.staleCount())
		}
		time.Sleep(time.Minute)
		if c.Serves(k) {
			t.Fatal("a key past MaxStale serves")
		}

		// The keys change: the old Key no longer serves, the new one does.
		iss.SetStatus(0)
		iss.AddKey("RS256")
		if err := c.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		if c.Serves(k) {
			t.Fatal("a Key from the old set serves after the keys changed")
		}
		k2, err := c.Key(context.Background(), iss.KID())
		if err != nil || !c.Serves(k2) {
			t.Fatalf("the new set's key: %v", err)
		}
	})
}
