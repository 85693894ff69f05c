package keycache

import (
	"context"
	"testing"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/refresh"
	"github.com/jwtguard/jwtguard/internal/testissuer"
)

// A caller that found the set wanting (expired, or without its kid) may
// reach start after another caller's refresh replaced that set: it is
// served from the new set, and the provider sees no second fetch.
func TestCallerAfterARefreshEnded(t *testing.T) {
	iss := testissuer.New()
	defer iss.Close()
	c, err := New(Source{URL: iss.JWKSURL(), Issuer: iss.URL}, cache.Config{DisableBackgroundRefresh: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if err := c.Load(ctx); err != nil {
		t.Fatal(err)
	}
	seen := c.eng.Current()

	kid := iss.AddKey("RS256") // rotation: seen lacks kid
	if err := c.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	fetches := iss.Fetches()
	cur := c.eng.Current()
	if cur == seen {
		t.Fatal("Refresh did not replace the set")
	}

	seen.timeUp.Store(true) // found expired, but replaced since
	if _, err := c.keyAfterExpiry(ctx, seen, kid); err != nil {
		t.Fatalf("keyAfterExpiry(replaced set, new kid): %v", err)
	}
	if _, err := c.unknownKID(ctx, seen, kid); err != nil {
		t.Fatalf("unknownKID(replaced set, new kid): %v", err)
	}
	got, err := c.eng.Get(ctx, refresh.Request[keySet, observe.Trigger]{Seen: seen, Level: refresh.Due, Trigger: observe.TriggerBackground})
	if err != nil || !got.Again || got.Value != cur {
		t.Fatalf("background refresh of a replaced set = %+v, %v; want nothing started, look again at the current set", got, err)
	}
	if got := iss.Fetches(); got != fetches {
		t.Fatalf("%d more fetches, want none", got-fetches)
	}

	// The set that is current, expired, is refreshed.
	cur.timeUp.Store(true)
	if err := c.Load(ctx); err != nil || c.eng.Current() == cur {
		t.Fatalf("Load of an expired current set: %v; want a new set", err)
	}
	if got := iss.Fetches(); got != fetches+1 {
		t.Fatalf("%d more fetches, want 1", got-fetches)
	}
}
