package cache

import (
	"context"
	"testing"

	"github.com/jwtguard/jwtguard/issuertest"
)

// A caller that found the set wanting (expired, or without its kid) may
// reach start after another caller's refresh replaced that set: it is
// served from the new set, and the provider sees no second fetch.
func TestCallerAfterARefreshEnded(t *testing.T) {
	iss := issuertest.New()
	defer iss.Close()
	c, err := New(Config{URL: iss.JWKSURL(), Issuer: iss.URL, DisableBackgroundRefresh: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if err := c.Load(ctx); err != nil {
		t.Fatal(err)
	}
	seen := c.set.Load()

	kid := iss.AddKey("RS256") // rotation: seen lacks kid
	if err := c.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	fetches := iss.Fetches()
	cur := c.set.Load()
	if cur == seen {
		t.Fatal("Refresh did not replace the set")
	}

	if got, err := c.expired(ctx, seen); err != nil || got != cur {
		t.Fatalf("expired(replaced set) = %p, %v; want the current set %p", got, err, cur)
	}
	if _, err := c.unknownKID(ctx, seen, kid); err != nil {
		t.Fatalf("unknownKID(replaced set, new kid): %v", err)
	}
	if f, err := c.start(TriggerBackground, false, seen); f != nil || err != nil {
		t.Fatalf("start(background) for a replaced set = %v, %v; want nothing started", f, err)
	}
	if got := iss.Fetches(); got != fetches {
		t.Fatalf("%d more fetches, want none", got-fetches)
	}

	// The set that is current, expired, is refreshed.
	cur.timeUp.Store(true)
	if got, err := c.expired(ctx, cur); err != nil || got == cur {
		t.Fatalf("expired(current set) = %p, %v; want a new set", got, err)
	}
	if got := iss.Fetches(); got != fetches+1 {
		t.Fatalf("%d more fetches, want 1", got-fetches)
	}
}
