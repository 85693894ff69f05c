package keycache_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/observe"
)

// Behaviour 1: a set expires exactly at Interval (time), after Usages
// look-ups (usage), or whichever comes first (both).
func TestTimeStrategyExpiresAtInterval(t *testing.T) {
	iss := startIssuer(t)
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		c := newCache(t, iss, cache.Config{Strategy: cache.Time, Interval: 10 * time.Minute, DisableBackgroundRefresh: true, Metrics: rec.Hooks()})
		kid := iss.KID()
		base := iss.Fetches()
		mustKey(t, c, kid)
		if got := iss.Fetches() - base; got != 1 {
			t.Fatalf("first look-up: %d fetches, want 1", got)
		}
		time.Sleep(10*time.Minute - time.Nanosecond)
		for range 5000 { // usage does not count under Time
			mustKey(t, c, kid)
		}
		if got := iss.Fetches() - base; got != 1 {
			t.Fatalf("just before Interval: %d fetches, want 1", got)
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait() // the expiry timer has fired
		mustKey(t, c, kid)
		if got := iss.Fetches() - base; got != 2 {
			t.Fatalf("at Interval: %d fetches, want 2", got)
		}
		if ev := rec.last(t); ev.Trigger != observe.TriggerTime {
			t.Errorf("trigger %q, want %q", ev.Trigger, observe.TriggerTime)
		}
	})
}

func TestUsageStrategyExpiresAfterUsages(t *testing.T) {
	iss := startIssuer(t)
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		c := newCache(t, iss, cache.Config{
			Strategy: cache.Usage, Usages: 5, MinRefreshInterval: time.Second, Threshold: 0.5,
			DisableBackgroundRefresh: true, Metrics: rec.Hooks(),
		})
		kid := iss.KID()
		base := iss.Fetches()
		mustKey(t, c, kid) // fetch, use 1
		// Past the floor (MinRefreshInterval/Threshold = 2 s): only usage counts.
		time.Sleep(24 * time.Hour)
		for range 4 {
			mustKey(t, c, kid)
		}
		if got := iss.Fetches() - base; got != 1 {
			t.Fatalf("after %d uses: %d fetches, want 1", 5, got)
		}
		mustKey(t, c, kid) // use 6: expired
		if got := iss.Fetches() - base; got != 2 {
			t.Fatalf("after 6 uses: %d fetches, want 2", got)
		}
		if ev := rec.last(t); ev.Trigger != observe.TriggerUsage {
			t.Errorf("trigger %q, want %q", ev.Trigger, observe.TriggerUsage)
		}
	})
}

// MinRefreshInterval: a usage policy under heavy traffic does not refresh
// more often than the floor.
func TestUsageRefreshesNoMoreOftenThanFloor(t *testing.T) {
	iss := startIssuer(t)
	synctest.Test(t, func(t *testing.T) {
		c := newCache(t, iss, cache.Config{
			Strategy: cache.Usage, Usages: 10, MinRefreshInterval: 30 * time.Second, Threshold: 0.8,
			DisableBackgroundRefresh: true,
		})
		kid := iss.KID()
		base := iss.Fetches()
		// 100 look-ups a second for 5 minutes: 3 000 uses, 300 times the limit.
		start := time.Now()
		for time.Since(start) < 5*time.Minute {
			for range 100 {
				mustKey(t, c, kid)
			}
			time.Sleep(time.Second)
		}
		// The set lives MinRefreshInterval/Threshold = 37.5 s: 300 s / 37.5 s = 8.
		if got := iss.Fetches() - base; got < 2 || got > 9 {
			t.Fatalf("%d fetches in 5 minutes, want 2..9 (floor 37.5 s)", got)
		}
	})
}

func TestBothStrategyWhicheverFirst(t *testing.T) {
	iss := startIssuer(t)
	t.Run("usage first", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rec := &recorder{}
			c := newCache(t, iss, cache.Config{Usages: 3, Interval: time.Hour, MinRefreshInterval: time.Second, DisableBackgroundRefresh: true, Metrics: rec.Hooks()})
			kid := iss.KID()
			mustKey(t, c, kid)
			time.Sleep(10 * time.Second)
			for range 3 {
				mustKey(t, c, kid)
			}
			if ev := rec.last(t); ev.Trigger != observe.TriggerUsage || len(rec.events()) != 2 {
				t.Fatalf("refreshes %+v, want initial then usage", rec.events())
			}
		})
	})
	t.Run("time first", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rec := &recorder{}
			c := newCache(t, iss, cache.Config{Usages: 1000, Interval: time.Minute, DisableBackgroundRefresh: true, Metrics: rec.Hooks()})
			kid := iss.KID()
			mustKey(t, c, kid)
			time.Sleep(time.Minute)
			synctest.Wait()
			mustKey(t, c, kid)
			if ev := rec.last(t); ev.Trigger != observe.TriggerTime || len(rec.events()) != 2 {
				t.Fatalf("refreshes %+v, want initial then time", rec.events())
			}
		})
	})
}

// Behaviour 2: the background refresh runs at Threshold of the lifetime
// with ±10% jitter, so replicas spread out.
func TestBackgroundRefreshAtThresholdWithJitter(t *testing.T) {
	iss := startIssuer(t)
	synctest.Test(t, func(t *testing.T) {
		const n, interval = 20, 10 * time.Minute
		recs := make([]*recorder, n)
		start := time.Now()
		for i := range recs {
			recs[i] = &recorder{}
			c := newCache(t, iss, cache.Config{Strategy: cache.Time, Interval: interval, Metrics: recs[i].Hooks()})
			mustKey(t, c, iss.KID())
		}
		time.Sleep(interval - time.Second) // before any set expires
		seen := map[time.Duration]bool{}
		for i, rec := range recs {
			ev, times := rec.eventsAt()
			if len(ev) != 2 || ev[1].Trigger != observe.TriggerBackground || ev[1].Result != observe.ResultNotModified {
				t.Fatalf("cache %d: refreshes %+v, want initial then background not_modified", i, ev)
			}
			at := times[1].Sub(start)
			if at < 72*interval/100 || at > 88*interval/100 {
				t.Errorf("cache %d refreshed at %v, want 0.8×%v ±10%%", i, at, interval)
			}
			seen[at] = true
		}
		if len(seen) < n/2 {
			t.Errorf("only %d distinct refresh times among %d caches: no jitter", len(seen), n)
		}
	})
}

func TestBackgroundRefreshByUsage(t *testing.T) {
	iss := startIssuer(t)
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		c := newCache(t, iss, cache.Config{Usages: 10, Threshold: 0.5, Interval: time.Hour, MinRefreshInterval: time.Second, Metrics: rec.Hooks()})
		kid := iss.KID()
		for range 5 { // the 5th use reaches the threshold
			mustKey(t, c, kid)
		}
		time.Sleep(2 * time.Second) // past the floor
		synctest.Wait()
		ev := rec.events()
		if len(ev) != 2 || ev[1].Trigger != observe.TriggerBackground {
			t.Fatalf("refreshes %+v, want initial then background", ev)
		}
		for range 9 { // a new set: no foreground refresh
			mustKey(t, c, kid)
		}
		if got := len(rec.events()); got != 2 {
			t.Errorf("%d refreshes, want 2", got)
		}
	})
}

// While the background refresh waits on a stalled provider, look-ups are
// served from the current keys: none waits for the network.
func TestBackgroundRefreshDoesNotBlockLookups(t *testing.T) {
	iss := startIssuer(t)
	rec := &recorder{}
	c := newCache(t, iss, cache.Config{
		Strategy: cache.Time, Interval: time.Minute, MinRefreshInterval: 100 * time.Millisecond,
		Threshold: 0.01, Metrics: rec.Hooks(),
	})
	kid := iss.KID()
	mustKey(t, c, kid)
	arrived := signal(iss)
	release := iss.Block()
	defer release()
	<-arrived // the background refresh (at ~0.6 s) is in the provider, stalled

	// The set expires at 60 s: ten seconds only detect a hang.
	lookupsDoNotWait(t, c, kid, 10000, 10*time.Second, "look-ups waited for the stalled background refresh")
	if n := len(rec.events()); n != 1 {
		t.Fatalf("%d refreshes finished while the provider stalled, want only the first", n)
	}
	release()
	// Refresh joins the background refresh if it is still in flight.
	if err := c.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ev := rec.events(); ev[1].Trigger != observe.TriggerBackground || ev[1].Err != nil {
		t.Errorf("second refresh %+v, want a successful background one", ev[1])
	}
}
