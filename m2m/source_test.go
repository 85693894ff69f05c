package m2m_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jwtguard/jwtguard/internal/m2mtest"
	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/m2m"
)

// callers runs g goroutines making n Token calls each and returns the
// distinct access tokens they got and the first error.
func callers(ts *m2m.TokenSource, g, n int) (map[string]int, error) {
	var (
		mu     sync.Mutex
		tokens = map[string]int{}
		first  error
		wg     sync.WaitGroup
	)
	for range g {
		wg.Go(func() {
			for range n {
				tok, err := ts.Token()
				mu.Lock()
				if err != nil {
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
				tokens[tok.AccessToken]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return tokens, first
}

// wait receives from ch, failing the test if watchdog (a real-time timer
// made outside any bubble) fires first.
func wait(t testing.TB, ch <-chan struct{}, watchdog *time.Timer) {
	t.Helper()
	select {
	case <-ch:
	case <-watchdog.C:
		t.Fatal("timed out")
	}
}

// 50 goroutines × 200 calls spend one token; the other 9 999 calls are
// served without a request.
func TestTokenSourceMintsOnce(t *testing.T) {
	iss, requests := newIssuer(t)
	synctest.Test(t, func(t *testing.T) {
		h := newHooks()
		ts := m2mtest.NewSource(t, sourceConfig(iss, h))
		tokens, err := callers(ts, 50, 200)
		if err != nil {
			t.Fatal(err)
		}
		if len(tokens) != 1 {
			t.Fatalf("callers got %d distinct tokens, want 1", len(tokens))
		}
		if got := iss.Mints(); got != 1 || requests.Load() != 1 {
			t.Fatalf("issuer minted %d tokens for %d requests, want 1 and 1", got, requests.Load())
		}
		if got := h.ServedCount(); got != 50*200-1 {
			t.Errorf("Served reported %d times, want %d", got, 50*200-1)
		}
		if got := h.Results(); got[observe.TokenMinted] != 1 || len(got) != 1 {
			t.Errorf("refresh results = %v, want one minted", got)
		}
	})
}

// Past Threshold of the lifetime one background refresh replaces the
// token before it expires, and callers keep getting the current token
// without waiting while the refresh is held up at the issuer.
func TestTokenSourceRefreshesInBackground(t *testing.T) {
	iss, requests := newIssuer(t)
	// Created outside the bubble: the issuer's handler goroutines use it,
	// and its timer runs on the real clock.
	arrived := make(chan struct{}, 8)
	iss.OnRequest(func(r *http.Request) { requests.Add(1); arrived <- struct{}{} })
	watchdog := time.NewTimer(time.Minute)
	defer watchdog.Stop()

	synctest.Test(t, func(t *testing.T) {
		h := newHooks()
		ts := m2mtest.NewSource(t, sourceConfig(iss, h))
		start := time.Now()
		first, err := ts.Token()
		if err != nil {
			t.Fatal(err)
		}
		wait(t, arrived, watchdog)
		if want := start.Add(time.Hour); !first.Expiry.Equal(want) {
			t.Fatalf("expiry %v, want %v (issued + expires_in)", first.Expiry, want)
		}
		due := start.Add(48 * time.Minute) // the default Threshold (0.8) of an hour

		time.Sleep(time.Until(due) - time.Second)
		synctest.Wait()
		if got := iss.Mints(); got != 1 {
			t.Fatalf("%d mints before the refresh was due, want 1", got)
		}

		release := iss.BlockTokens()
		defer release()
		time.Sleep(time.Second)    // now due: the background refresh starts
		wait(t, arrived, watchdog) // and is held at the issuer

		done := make(chan error, 1)
		var tokens map[string]int
		go func() {
			var err error
			tokens, err = callers(ts, 50, 200)
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-watchdog.C:
			t.Fatal("callers waited for the refresh in flight")
		}
		if len(tokens) != 1 || tokens[first.AccessToken] != 50*200 {
			t.Fatalf("during the refresh callers got %v, want only the current token", tokens)
		}

		release()
		synctest.Wait()
		if got := iss.Mints(); got != 2 {
			t.Fatalf("%d mints after the refresh, want 2", got)
		}
		second, err := ts.Token()
		if err != nil {
			t.Fatal(err)
		}
		if !second.Expiry.Equal(due.Add(time.Hour)) {
			t.Errorf("new token expires %v, want %v", second.Expiry, due.Add(time.Hour))
		}
		if !time.Now().Before(first.Expiry) {
			t.Errorf("refreshed at %v, not before the old token's expiry %v", time.Now(), first.Expiry)
		}
		h.Next(t)
		if ev := h.Next(t); ev.Trigger != observe.TokenBackground || ev.Result != observe.TokenMinted {
			t.Errorf("second refresh = %+v, want a background mint", ev)
		}
		if requests.Load() != 2 {
			t.Errorf("%d token requests, want 2", requests.Load())
		}
	})
}

// A token nobody asked for is not refreshed in the background: an idle
// source spends no quota. The next caller then waits for a new one.
func TestTokenSourceIdleSpendsNoQuota(t *testing.T) {
	iss, _ := newIssuer(t)
	synctest.Test(t, func(t *testing.T) {
		h := newHooks()
		ts := m2mtest.NewSource(t, sourceConfig(iss, h))
		if _, err := ts.Token(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(48 * time.Minute) // due: refreshed, as the token was used
		synctest.Wait()
		if got := iss.Mints(); got != 2 {
			t.Fatalf("%d mints after the due time, want 2", got)
		}
		time.Sleep(5 * time.Hour) // nobody used the new token
		synctest.Wait()
		if got := iss.Mints(); got != 2 {
			t.Fatalf("%d mints while idle, want 2", got)
		}
		tok, err := ts.Token()
		if err != nil {
			t.Fatal(err)
		}
		if !tok.Expiry.After(time.Now()) || iss.Mints() != 3 {
			t.Fatalf("after idling: expiry %v (now %v), %d mints; want a fresh token, 3 mints", tok.Expiry, time.Now(), iss.Mints())
		}
		var triggers []observe.TokenTrigger
		for range 3 {
			triggers = append(triggers, h.Next(t).Trigger)
		}
		want := []observe.TokenTrigger{observe.TokenInitial, observe.TokenBackground, observe.TokenExpired}
		if fmt.Sprint(triggers) != fmt.Sprint(want) {
			t.Errorf("triggers %v, want %v", triggers, want)
		}
	})
}

// A token whose answer has no expires_in is kept for AssumedLifetime.
func TestTokenSourceAssumedLifetime(t *testing.T) {
	iss, _ := newIssuer(t)
	iss.OmitExpiresIn(true)
	tests := []struct {
		name    string
		assumed time.Duration
		want    time.Duration
	}{
		{"default", 0, 5 * time.Minute},
		{"configured", 90 * time.Second, 90 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := sourceConfig(iss, nil)
				cfg.AssumedLifetime = tt.assumed
				ts := m2mtest.NewSource(t, cfg)
				start := time.Now()
				tok, err := ts.Token()
				if err != nil {
					t.Fatal(err)
				}
				if got := tok.Expiry.Sub(start); got != tt.want {
					t.Fatalf("lifetime %v, want %v", got, tt.want)
				}
			})
		})
	}
}
