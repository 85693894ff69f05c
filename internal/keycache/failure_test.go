package keycache_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/hangtest"
	"github.com/jwtguard/jwtguard/internal/keycache"
	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/testissuer"
)

// Behaviour 4: a refresh that fails in any way keeps the current keys.
func TestFailedRefreshKeepsKeys(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(iss *testissuer.Issuer)
		want   error
	}{
		{name: "connection refused", break_: func(i *testissuer.Issuer) { i.Close() }},
		{name: "500", break_: func(i *testissuer.Issuer) { i.SetStatus(500) }, want: &keycache.StatusError{}},
		{name: "503", break_: func(i *testissuer.Issuer) { i.SetStatus(503) }},
		{name: "429", break_: func(i *testissuer.Issuer) { i.SetStatus(429) }},
		{name: "404", break_: func(i *testissuer.Issuer) { i.SetStatus(404) }},
		{name: "not JSON", break_: func(i *testissuer.Issuer) { i.SetBody([]byte("<html>maintenance</html>")) }, want: keycache.ErrBadDocument},
		{name: "empty keys", break_: func(i *testissuer.Issuer) { i.SetBody([]byte(`{"keys":[]}`)) }, want: keycache.ErrBadDocument},
		{name: "no keys member", break_: func(i *testissuer.Issuer) { i.SetBody([]byte(`{}`)) }, want: keycache.ErrBadDocument},
		{name: "null", break_: func(i *testissuer.Issuer) { i.SetBody([]byte(`null`)) }, want: keycache.ErrBadDocument},
		{name: "only oct key", break_: func(i *testissuer.Issuer) {
			i.SetBody([]byte(`{"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0"}]}`))
		}, want: keycache.ErrBadDocument},
		{name: "only encryption key", break_: func(i *testissuer.Issuer) {
			i.SetBody([]byte(strings.Replace(string(i.JWKS()), `"use":"sig"`, `"use":"enc"`, 1)))
		}, want: keycache.ErrBadDocument},
		{name: "garbage key", break_: func(i *testissuer.Issuer) {
			i.SetBody([]byte(`{"keys":[{"kty":"RSA","kid":"x","n":"!!","e":"AQAB"}]}`))
		}, want: keycache.ErrBadDocument},
		{name: "too large", break_: func(i *testissuer.Issuer) {
			i.SetBody([]byte(`{"keys":[],"pad":"` + strings.Repeat("x", 2<<20) + `"}`))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss := startIssuer(t)
			c := newCache(t, iss, cache.Config{DisableBackgroundRefresh: true})
			kid := iss.KID()
			mustKey(t, c, kid)
			iss.DisableConditional() // a 304 would hide the broken body
			tt.break_(iss)
			err := c.Refresh(context.Background())
			if err == nil {
				t.Fatal("Refresh succeeded against a broken provider")
			}
			var se *keycache.StatusError
			switch want := tt.want.(type) {
			case nil:
			case *keycache.StatusError:
				if !errors.As(err, &se) {
					t.Errorf("Refresh error %v, want a *keycache.StatusError", err)
				}
			default:
				if !errors.Is(err, want) {
					t.Errorf("Refresh error %v, want %v", err, want)
				}
			}
			if _, err := c.Key(context.Background(), kid); err != nil {
				t.Errorf("after the failed refresh the old key is gone: %v", err)
			}
		})
	}
}

// A fetch that takes longer than FetchTimeout fails and keeps the keys.
func TestFetchTimeoutKeepsKeys(t *testing.T) {
	iss := startIssuer(t)
	c := newCache(t, iss, cache.Config{FetchTimeout: 50 * time.Millisecond, DisableBackgroundRefresh: true})
	kid := iss.KID()
	mustKey(t, c, kid)
	release := iss.Block()
	defer release()
	err := c.Refresh(context.Background())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Refresh against a stalled provider: %v, want a deadline error", err)
	}
	mustKey(t, c, kid)
}

// Failed refreshes back off exponentially from MinRefreshInterval up to
// Interval, with jitter; the keys keep serving, each stale use counted,
// until MaxStale, after which look-ups fail with ErrUnavailable.
func TestBackoffStaleThenUnavailable(t *testing.T) {
	iss := startIssuer(t)
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		const interval, floor = 8 * time.Minute, 30 * time.Second
		c := newCache(t, iss, cache.Config{
			Strategy: cache.Time, Interval: interval, MinRefreshInterval: floor, MaxStale: time.Hour, Metrics: rec.Hooks(),
		})
		kid := iss.KID()
		mustKey(t, c, kid)
		iss.SetStatus(http.StatusInternalServerError)
		// Background refreshes from 0.8 × Interval on; serve through them.
		start := time.Now()
		for time.Since(start) < interval+time.Hour-time.Second {
			mustKey(t, c, kid)
			time.Sleep(time.Second)
		}
		if rec.staleCount() == 0 {
			t.Error("no stale use reported after expiry")
		}
		var gaps []time.Duration
		ev, at := rec.eventsAt()
		for i := 2; i < len(ev); i++ {
			if ev[i].Result != observe.ResultError {
				t.Fatalf("refresh %d: %+v, want an error", i, ev[i])
			}
			gaps = append(gaps, at[i].Sub(at[i-1]))
		}
		// Over an hour of failures: retries at 30 s, 1, 2, 4, 8 min, then
		// every 8 min (and some jitter).
		if len(gaps) < 8 {
			t.Fatalf("%d retries in an hour of failures, want at least 8 (gaps %v)", len(gaps), gaps)
		}
		want := floor
		for i, g := range gaps {
			if g < want || g > want*12/10+time.Second {
				t.Errorf("retry %d came %v after the previous one, want %v to %v (gaps %v)", i+1, g, want, want*12/10, gaps)
			}
			want = min(2*want, interval)
		}
		// Past MaxStale: dropped.
		time.Sleep(2 * time.Second)
		_, err := c.Key(context.Background(), kid)
		var ue *keycache.UnavailableError
		if !errors.Is(err, keycache.ErrUnavailable) || !errors.As(err, &ue) {
			t.Fatalf("past MaxStale: %v, want ErrUnavailable", err)
		}
		if ue.RetryAfter <= 0 || ue.RetryAfter > interval*12/10 {
			t.Errorf("RetryAfter %v, want within the backoff", ue.RetryAfter)
		}
		var se *keycache.StatusError
		if !errors.As(err, &se) || se.Code != 500 {
			t.Errorf("cause %v, want the provider's HTTP 500", err)
		}
		// The provider recovers: the next retry brings the keys back.
		iss.SetStatus(0)
		time.Sleep(interval * 12 / 10)
		mustKey(t, c, kid)
	})
}

func TestNegativeMaxStaleNeverServesStale(t *testing.T) {
	iss := startIssuer(t)
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		c := newCache(t, iss, cache.Config{Strategy: cache.Time, Interval: time.Minute, MaxStale: -1, DisableBackgroundRefresh: true, Metrics: rec.Hooks()})
		kid := iss.KID()
		mustKey(t, c, kid)
		iss.SetStatus(http.StatusBadGateway)
		time.Sleep(time.Minute)
		synctest.Wait()
		if _, err := c.Key(context.Background(), kid); !errors.Is(err, keycache.ErrUnavailable) {
			t.Fatalf("expired set, failing provider: %v, want ErrUnavailable", err)
		}
		if rec.staleCount() != 0 {
			t.Errorf("%d stale uses, want none", rec.staleCount())
		}
	})
}

// With nothing cached and the provider down, look-ups fail fast during the
// backoff: the provider sees one request, not one per look-up.
func TestNoKeysProviderDownFailsFast(t *testing.T) {
	iss := startIssuer(t)
	synctest.Test(t, func(t *testing.T) {
		iss.SetStatus(http.StatusServiceUnavailable)
		c := newCache(t, iss, cache.Config{DisableBackgroundRefresh: true})
		base := iss.Fetches()
		for range 1000 {
			_, err := c.Key(context.Background(), "any")
			var ue *keycache.UnavailableError
			if !errors.As(err, &ue) {
				t.Fatalf("Key: %v, want *UnavailableError", err)
			}
		}
		if got := iss.Fetches() - base; got != 1 {
			t.Errorf("1000 look-ups made %d fetches, want 1", got)
		}
	})
}

// Behaviour 3: at hard expiry one refresh runs; concurrent callers wait on
// it, each bounded by its own context.
func TestHardExpirySingleFlight(t *testing.T) {
	iss := startIssuer(t)
	synctest.Test(t, func(t *testing.T) {
		gate := hangtest.NewGate()
		// MaxStale -1: no stale keys to fall back on, so callers must wait.
		c := newCache(t, iss, cache.Config{
			Strategy: cache.Time, Interval: time.Minute, MaxStale: -1, DisableBackgroundRefresh: true,
			HTTPClient: gate.Client(),
		})
		kid := iss.KID()
		mustKey(t, c, kid) // the first fetch goes through
		gate.Shut()
		base := iss.Fetches()
		time.Sleep(time.Minute)
		synctest.Wait() // the set has expired

		// A caller with a short deadline gives up; the refresh goes on.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		_, err := c.Key(ctx, kid)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, keycache.ErrUnavailable) {
			t.Fatalf("waiter with a 20ms deadline: %v, want ErrUnavailable wrapping DeadlineExceeded", err)
		}

		// Callers arriving while the refresh is in flight join it.
		var wg sync.WaitGroup
		errs := make(chan error, 50)
		for range 50 {
			wg.Go(func() {
				_, err := c.Key(context.Background(), kid)
				errs <- err
			})
		}
		synctest.Wait() // every caller is waiting
		if n := gate.Held(); n != 1 {
			t.Errorf("%d requests in flight for 51 callers at expiry, want 1", n)
		}
		gate.Open()
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("waiter: %v", err)
			}
		}
		if got := iss.Fetches() - base; got != 1 {
			t.Errorf("%d fetches for 51 callers at expiry, want 1", got)
		}
	})
}

// Stale keys serve a caller who stops waiting for a refresh, and once a
// refresh has failed, look-ups serve them without waiting for the retry.
func TestStaleServedWithoutWaiting(t *testing.T) {
	iss := startIssuer(t)
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		g := hangtest.NewGate()
		c := newCache(t, iss, cache.Config{
			Strategy: cache.Usage, Usages: 1, MinRefreshInterval: time.Millisecond, Threshold: 0.5,
			DisableBackgroundRefresh: true, Metrics: rec.Hooks(), HTTPClient: g.Client(),
		})
		kid := iss.KID()
		mustKey(t, c, kid)
		time.Sleep(5 * time.Millisecond) // past the 2 ms usage floor

		// The provider stalls: a caller that spends the set and whose
		// deadline passes gets the stale keys rather than an error.
		g.Shut()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		_, err := c.Key(ctx, kid)
		cancel()
		if err != nil {
			t.Fatalf("a waiter whose deadline passed: %v, want the stale keys", err)
		}
		synctest.Wait()
		if n := g.Held(); n != 1 {
			t.Fatalf("%d fetches held at the provider, want the one refresh", n)
		}
		iss.SetStatus(http.StatusInternalServerError)
		g.Open()
		if err := c.Refresh(context.Background()); err == nil { // joins it: it fails
			t.Fatal("refresh against a failing provider succeeded")
		}

		// A retry in flight, stalled in the provider: look-ups do not join it.
		iss.SetStatus(0)
		g.Shut()
		retried := make(chan error, 1)
		go func() { retried <- c.Refresh(context.Background()) }()
		synctest.Wait() // the retry is held at the gate
		start := time.Now()
		for range 100 {
			mustKey(t, c, kid)
		}
		if waited := time.Since(start); waited != 0 {
			t.Errorf("look-ups waited %v for the retry in flight", waited)
		}
		g.Open()
		if err := <-retried; err != nil {
			t.Errorf("the retry: %v", err)
		}
		if rec.staleCount() < 101 {
			t.Errorf("%d stale uses, want at least 101", rec.staleCount())
		}
	})
}
