package keycache_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/keycache"
	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/testissuer"
)

// noKeepAlive is the HTTP client of tests in a synctest bubble: an idle
// keep-alive connection would keep the bubble from ever going idle.
func noKeepAlive() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
}

// newCache returns a cache over iss with cfg's non-zero fields, closed at
// the end of the test.
func newCache(t *testing.T, iss *testissuer.Issuer, cfg cache.Config) *keycache.Cache {
	t.Helper()
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = noKeepAlive()
	}
	c, err := keycache.New(keycache.Source{URL: iss.JWKSURL(), Issuer: iss.URL}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// startIssuer starts an issuer outside any bubble and closes it at the end.
func startIssuer(t *testing.T) *testissuer.Issuer {
	t.Helper()
	iss := testissuer.New()
	t.Cleanup(iss.Close)
	return iss
}

// mustKey looks kid up and fails the test on error.
func mustKey(t *testing.T, c *keycache.Cache, kid string) {
	t.Helper()
	if _, err := c.Key(context.Background(), kid); err != nil {
		t.Fatalf("Key(%q): %v", kid, err)
	}
}

// recorder receives a cache's events (observe.Keys) and keeps everything
// it is told; it is its own Config.Metrics.
type recorder struct {
	mu       sync.Mutex
	refresh  []observe.Refresh
	at       []time.Time // when each refresh was reported
	stale    int
	kid      map[observe.KIDAction]int
	storeErr []error
}

func (r *recorder) Hooks() *observe.Hooks { return &observe.Hooks{Keys: r} }

func (r *recorder) Refreshed(ev observe.Refresh) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refresh = append(r.refresh, ev)
	r.at = append(r.at, time.Now())
}

func (r *recorder) StaleServed(string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stale++
}

func (r *recorder) UnknownKID(_ string, a observe.KIDAction) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.kid == nil {
		r.kid = make(map[observe.KIDAction]int)
	}
	r.kid[a]++
}

func (r *recorder) StoreFailed(_ string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.storeErr = append(r.storeErr, err)
}

// events returns the refreshes so far.
func (r *recorder) events() []observe.Refresh {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]observe.Refresh(nil), r.refresh...)
}

// last returns the last refresh; it fails the test if there is none.
func (r *recorder) last(t *testing.T) observe.Refresh {
	t.Helper()
	ev := r.events()
	if len(ev) == 0 {
		t.Fatal("no refresh reported")
	}
	return ev[len(ev)-1]
}

// eventsAt returns the refreshes so far and when each was reported.
func (r *recorder) eventsAt() ([]observe.Refresh, []time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]observe.Refresh(nil), r.refresh...), append([]time.Time(nil), r.at...)
}

// storeErrors returns the store failures so far.
func (r *recorder) storeErrors() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.storeErr...)
}

func (r *recorder) staleCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stale
}

func (r *recorder) kidCount(a observe.KIDAction) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.kid[a]
}

// signal returns a channel that receives once per JWKS request the issuer
// gets (buffered, so the handler never blocks on it).
func signal(iss *testissuer.Issuer) <-chan struct{} {
	ch := make(chan struct{}, 1024)
	iss.OnRequest(func(*http.Request) { ch <- struct{}{} })
	return ch
}

// lookupsDoNotWait looks kid up n times and fails the test with msg if
// that has not ended within limit: a detector of look-ups stuck behind a
// stalled fetch, not a speed limit.
func lookupsDoNotWait(t *testing.T, c *keycache.Cache, kid string, n int, limit time.Duration, msg string) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		for range n {
			if _, err := c.Key(context.Background(), kid); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(limit):
		t.Fatal(msg)
	}
}
