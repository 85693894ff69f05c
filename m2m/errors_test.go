package m2m_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/oauth2"

	"github.com/jwtguard/jwtguard/internal/m2mtest"
	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/m2m"
)

// A failed token request is returned at once to every caller, with the
// right category; then callers fail fast for the backoff (no request),
// which honors Retry-After, and the next call after it tries again.
func TestTokenSourceErrors(t *testing.T) {
	tests := []struct {
		name       string
		setup      func(*testissuer.Issuer)
		down       bool
		category   error
		status     int
		retryAfter time.Duration
		// quiet: no request before this; again: a request by this.
		quiet, again time.Duration
	}{
		{
			name:     "401 wrong secret",
			setup:    func(i *testissuer.Issuer) { i.SetClient(testClient, "another secret") },
			category: m2m.ErrRejected, status: http.StatusUnauthorized,
			quiet: 990 * time.Millisecond, again: 1210 * time.Millisecond,
		},
		{
			name:     "403 forbidden",
			setup:    func(i *testissuer.Issuer) { i.SetTokenStatus(http.StatusForbidden) },
			category: m2m.ErrRejected, status: http.StatusForbidden,
			quiet: 990 * time.Millisecond, again: 1210 * time.Millisecond,
		},
		{
			name: "429 with Retry-After",
			setup: func(i *testissuer.Issuer) {
				i.SetTokenStatus(http.StatusTooManyRequests)
				i.SetTokenRetryAfter(7 * time.Second)
			},
			category: m2m.ErrUnavailable, status: http.StatusTooManyRequests, retryAfter: 7 * time.Second,
			quiet: 7*time.Second - time.Millisecond, again: 7 * time.Second,
		},
		{
			name:     "503 without Retry-After",
			setup:    func(i *testissuer.Issuer) { i.SetTokenStatus(http.StatusServiceUnavailable) },
			category: m2m.ErrUnavailable, status: http.StatusServiceUnavailable,
			quiet: 990 * time.Millisecond, again: 1210 * time.Millisecond,
		},
		{
			name: "endpoint down", down: true,
			category: m2m.ErrUnavailable, status: 0,
			quiet: 990 * time.Millisecond, again: 1210 * time.Millisecond,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss, requests := newIssuer(t)
			if tt.setup != nil {
				tt.setup(iss)
			}
			cfg := sourceConfig(iss, newHooks())
			if tt.down {
				srv := httptest.NewServer(http.NotFoundHandler())
				srv.Close()
				cfg.TokenURL = srv.URL + testissuer.TokenPath
			}
			synctest.Test(t, func(t *testing.T) {
				ts := m2mtest.NewSource(t, cfg)
				_, err := ts.Token()
				var xe *m2m.ExchangeError
				if !errors.Is(err, tt.category) || !errors.As(err, &xe) {
					t.Fatalf("Token() error = %v, want an *ExchangeError matching %v", err, tt.category)
				}
				if xe.Status != tt.status || xe.RetryAfter != tt.retryAfter {
					t.Fatalf("status %d, Retry-After %v; want %d, %v", xe.Status, xe.RetryAfter, tt.status, tt.retryAfter)
				}
				if tt.status != 0 {
					var re *oauth2.RetrieveError
					if !errors.As(err, &re) || re.Response.StatusCode != tt.status {
						t.Errorf("error %v does not wrap the endpoint's *oauth2.RetrieveError", err)
					}
				}
				sent := requests.Load()

				time.Sleep(tt.quiet)
				_, err = ts.Token()
				if !backingOff(err) || !errors.Is(err, tt.category) || errors.Is(err, m2m.ErrRejected) == errors.Is(err, m2m.ErrUnavailable) {
					t.Fatalf("during the backoff: %v, want a backoff error matching %v only", err, tt.category)
				}
				if got := requests.Load(); got != sent {
					t.Fatalf("%d requests during the backoff, want none", got-sent)
				}

				time.Sleep(tt.again - tt.quiet)
				if _, err = ts.Token(); backingOff(err) || !errors.Is(err, tt.category) {
					t.Fatalf("after the backoff: %v, want a new attempt failing with %v", err, tt.category)
				}
				if !tt.down && requests.Load() != sent+1 {
					t.Fatalf("%d requests after the backoff, want 1", requests.Load()-sent)
				}
			})
		})
	}
}

// Concurrent callers of a failing endpoint share one request and all get
// its error at once: no retry storm.
func TestTokenSourceRejectedOnce(t *testing.T) {
	iss, requests := newIssuer(t)
	iss.SetClient(testClient, "another secret")
	synctest.Test(t, func(t *testing.T) {
		ts := m2mtest.NewSource(t, sourceConfig(iss, nil))
		_, err := callers(ts, 20, 5)
		if !errors.Is(err, m2m.ErrRejected) {
			t.Fatalf("error %v, want ErrRejected", err)
		}
		if got := requests.Load(); got != 1 {
			t.Fatalf("%d token requests for 20 concurrent callers, want 1", got)
		}
	})
}

// While a still-valid token is held, failed refreshes keep it serving
// (callers see no error and do not wait) and retry with backoff until one
// succeeds before the token expires. Past its expiry with the endpoint
// still failing, callers get the failure.
func TestTokenSourceServesThroughFailedRefresh(t *testing.T) {
	iss, _ := newIssuer(t)
	synctest.Test(t, func(t *testing.T) {
		h := newHooks()
		ts := m2mtest.NewSource(t, sourceConfig(iss, h))
		start := time.Now()
		first, err := ts.Token()
		if err != nil {
			t.Fatal(err)
		}
		h.Next(t)
		iss.SetTokenStatus(http.StatusServiceUnavailable)
		time.Sleep(48 * time.Minute)
		if ev := h.Next(t); ev.Result != observe.TokenFailed || ev.Status != http.StatusServiceUnavailable {
			t.Fatalf("refresh at the due time = %+v, want a 503 error", ev)
		}
		for range 3 { // backing off: 1s, 2s, 4s (+0–20%)
			tok, err := ts.Token()
			if err != nil || tok.AccessToken != first.AccessToken {
				t.Fatalf("during failed refreshes: %v, %v; want the current token", tok, err)
			}
			if ev := h.Next(t); ev.Result != observe.TokenFailed || ev.Trigger != observe.TokenBackground {
				t.Fatalf("retry = %+v, want a failed background refresh", ev)
			}
		}
		if elapsed := time.Since(start.Add(48 * time.Minute)); elapsed < 7*time.Second || elapsed > 8400*time.Millisecond {
			t.Errorf("three retries took %v, want about 1s+2s+4s", elapsed)
		}

		iss.SetTokenStatus(0)
		if ev := h.Next(t); ev.Result != observe.TokenMinted {
			t.Fatalf("retry after the endpoint recovered = %+v, want a mint", ev)
		}
		second, err := ts.Token()
		if err != nil || second.AccessToken == first.AccessToken && second.Expiry.Equal(first.Expiry) {
			t.Fatalf("after recovery: %v, %v; want a new token", second, err)
		}
		if !time.Now().Before(first.Expiry) {
			t.Errorf("replaced at %v, after the old token expired (%v)", time.Now(), first.Expiry)
		}

		// Now let the new token run out with the endpoint down.
		iss.SetTokenStatus(http.StatusServiceUnavailable)
		time.Sleep(time.Until(second.Expiry))
		synctest.Wait()
		if _, err := ts.Token(); !errors.Is(err, m2m.ErrUnavailable) {
			t.Fatalf("past expiry with the endpoint down: %v, want ErrUnavailable", err)
		}
	})
}
