package keycache_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/observe"
)

// Behaviour 5: conditional requests; a 304 renews the lifetime without
// parsing again.
func TestConditionalRequestRenewsLifetime(t *testing.T) {
	iss := startIssuer(t)
	var mu sync.Mutex
	var conds []http.Header
	iss.OnRequest(func(r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		conds = append(conds, r.Header.Clone())
	})
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		c := newCache(t, iss, cache.Config{Strategy: cache.Time, Interval: 10 * time.Minute, DisableBackgroundRefresh: true, Metrics: rec.Hooks()})
		kid := iss.KID()
		mustKey(t, c, kid)
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		mustKey(t, c, kid) // expired: conditional request, 304
		if iss.NotModified() != 1 {
			t.Fatalf("provider answered %d requests with 304, want 1", iss.NotModified())
		}
		if ev := rec.last(t); ev.Result != observe.ResultNotModified || ev.Keys != 1 {
			t.Fatalf("refresh %+v, want not_modified with 1 key", ev)
		}
		// The lifetime starts again at the 304.
		time.Sleep(10*time.Minute - time.Second)
		mustKey(t, c, kid)
		if got := len(rec.events()); got != 2 {
			t.Errorf("%d refreshes before the renewed lifetime ended, want 2", got)
		}
	})
	mu.Lock()
	defer mu.Unlock()
	if len(conds) != 2 {
		t.Fatalf("%d requests, want 2", len(conds))
	}
	if conds[0].Get("If-None-Match") != "" {
		t.Error("first request was conditional")
	}
	if conds[1].Get("If-None-Match") == "" || conds[1].Get("If-Modified-Since") == "" {
		t.Errorf("second request headers %v, want If-None-Match and If-Modified-Since", conds[1])
	}
}

// A changed document is parsed and replaces the set (the 304 path is not
// taken when the ETag differs).
func TestChangedDocumentReplacesSet(t *testing.T) {
	iss := startIssuer(t)
	c := newCache(t, iss, cache.Config{DisableBackgroundRefresh: true})
	old := iss.KID()
	mustKey(t, c, old)
	kid := iss.AddKey("ES256")
	if err := c.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	mustKey(t, c, kid)
	mustKey(t, c, old)
	if got := len(c.Keys()); got != 2 {
		t.Errorf("%d keys, want 2", got)
	}
}

// HonorCacheControl takes max-age as the lifetime, clamped to
// [MinRefreshInterval, Interval].
func TestHonorCacheControl(t *testing.T) {
	tests := []struct {
		name   string
		header string
		honor  bool
		want   time.Duration
	}{
		{"within bounds", "max-age=300", true, 5 * time.Minute},
		// The floor is MinRefreshInterval/Threshold: 1 min / 0.8.
		{"below the floor", "public, max-age=1", true, 75 * time.Second},
		{"max-age=0", "max-age=0, must-revalidate", true, 75 * time.Second},
		{"no-cache", "no-cache", true, 75 * time.Second},
		{"no-store", "private, no-store", true, 75 * time.Second},
		{"above Interval", "max-age=10800", true, time.Hour},
		{"no header", "", true, time.Hour},
		{"garbage", "max-age=soon", true, time.Hour},
		{"off", "max-age=300", false, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss := startIssuer(t)
			iss.SetCacheControlHeader(tt.header)
			synctest.Test(t, func(t *testing.T) {
				rec := &recorder{}
				c := newCache(t, iss, cache.Config{
					Strategy: cache.Time, Interval: time.Hour, MinRefreshInterval: time.Minute,
					HonorCacheControl: tt.honor, DisableBackgroundRefresh: true, Metrics: rec.Hooks(),
				})
				kid := iss.KID()
				mustKey(t, c, kid)
				time.Sleep(tt.want - time.Nanosecond)
				mustKey(t, c, kid)
				if n := len(rec.events()); n != 1 {
					t.Fatalf("refreshed before %v", tt.want)
				}
				time.Sleep(time.Nanosecond)
				synctest.Wait()
				mustKey(t, c, kid)
				if n := len(rec.events()); n != 2 {
					t.Fatalf("not refreshed at %v", tt.want)
				}
			})
		})
	}
}

// Behaviour 7: a key removed from the issuer's set stops verifying after
// the next refresh.
func TestRemovedKeyIsRevoked(t *testing.T) {
	iss := startIssuer(t)
	synctest.Test(t, func(t *testing.T) {
		c := newCache(t, iss, cache.Config{Strategy: cache.Time, Interval: 5 * time.Minute, UnknownKIDCooldown: time.Minute})
		old := iss.KID()
		mustKey(t, c, old)
		iss.AddKey("RS256")
		iss.Remove(old)
		time.Sleep(5 * time.Minute) // the background refresh has run
		if _, err := c.Key(context.Background(), old); err == nil {
			t.Fatal("removed key still served after a refresh")
		}
		for _, k := range c.Keys() {
			if k.ID() == old {
				t.Fatal("removed key still in Keys()")
			}
		}
	})
}

// A short Cache-Control lifetime still leaves the background refresh
// before the expiry, so no request waits; a 304 without Cache-Control
// keeps the max-age the document came with.
func TestShortLifetimeRefreshesBeforeExpiry(t *testing.T) {
	iss := startIssuer(t)
	iss.SetCacheControlHeader("max-age=1")
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		c := newCache(t, iss, cache.Config{
			Strategy: cache.Time, Interval: time.Hour, MinRefreshInterval: time.Second, HonorCacheControl: true, Metrics: rec.Hooks(),
		})
		kid := iss.KID()
		mustKey(t, c, kid)
		iss.SetCacheControlHeader("") // the 304s come without Cache-Control
		start := time.Now()
		for time.Since(start) < 10*time.Second {
			mustKey(t, c, kid)
			time.Sleep(50 * time.Millisecond)
		}
		ev := rec.events()
		if len(ev) < 8 {
			t.Fatalf("%d refreshes in 10 s with a 1.25 s lifetime: the 304s lost max-age", len(ev))
		}
		for _, e := range ev[1:] {
			if e.Trigger != observe.TriggerBackground {
				t.Fatalf("a %s refresh: a look-up found the set expired (%+v)", e.Trigger, e)
			}
		}
	})
}
