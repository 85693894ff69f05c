package keycache_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/keycache"
	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/testissuer"
)

// Behaviour 9: Close stops every goroutine the cache started, even with a
// fetch stalled in flight, and is idempotent.
func TestCloseLeavesNothingRunning(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	iss := testissuer.New()
	c, err := keycache.New(keycache.Source{URL: iss.JWKSURL(), Issuer: iss.URL}, cache.Config{HTTPClient: noKeepAlive()})
	if err != nil {
		t.Fatal(err)
	}
	mustKey(t, c, iss.KID())
	arrived := signal(iss)
	release := iss.Block()
	go c.Refresh(context.Background()) // stalls in the provider
	<-arrived
	c.Close()
	c.Close()
	release()
	iss.Close()
	if err := c.Refresh(context.Background()); !errors.Is(err, keycache.ErrClosed) {
		t.Errorf("Refresh after Close: %v, want ErrClosed", err)
	}
}

// A constructor that fails leaves nothing running.
func TestFailedNewLeavesNothingRunning(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	_, err := keycache.New(keycache.Source{URL: "https://example.com/jwks"}, cache.Config{Store: &memStore{watchErr: errors.New("no")}})
	if err == nil {
		t.Fatal("New succeeded although Store.Watch failed")
	}
	if _, err := keycache.New(keycache.Source{URL: "https://example.com/jwks"}, cache.Config{Threshold: 2}); err == nil {
		t.Fatal("New accepted Threshold 2")
	}
}

// Behaviour 8: Load fetches before serving and returns the error of a
// failed first fetch; Refresh fetches on demand.
func TestLoadAndRefresh(t *testing.T) {
	iss := startIssuer(t)
	rec := &recorder{}
	c := newCache(t, iss, cache.Config{Metrics: rec.Hooks()})
	iss.SetStatus(http.StatusServiceUnavailable)
	err := c.Load(context.Background())
	var se *keycache.StatusError
	if !errors.As(err, &se) || se.Code != 503 {
		t.Fatalf("Load against a down provider: %v, want HTTP 503", err)
	}
	iss.SetStatus(0)
	if err := c.Load(context.Background()); err != nil { // not held back by the backoff
		t.Fatalf("Load: %v", err)
	}
	base := iss.Fetches()
	if err := c.Load(context.Background()); err != nil || iss.Fetches() != base {
		t.Fatalf("Load with fresh keys: %v, %d fetches; want nil and none", err, iss.Fetches()-base)
	}
	if err := c.Refresh(context.Background()); err != nil || iss.Fetches() != base+1 {
		t.Fatalf("Refresh: %v, %d fetches; want nil and one", err, iss.Fetches()-base)
	}
	var triggers []observe.Trigger
	for _, ev := range rec.events() {
		triggers = append(triggers, ev.Trigger)
		if ev.Issuer != iss.URL || ev.Duration < 0 {
			t.Errorf("event %+v: wrong issuer or duration", ev)
		}
	}
	want := []observe.Trigger{observe.TriggerInitial, observe.TriggerInitial, observe.TriggerManual}
	if len(triggers) != len(want) || triggers[0] != want[0] || triggers[1] != want[1] || triggers[2] != want[2] {
		t.Errorf("triggers %v, want %v", triggers, want)
	}
	if ev := rec.last(t); ev.Result != observe.ResultNotModified || ev.Keys != 1 || ev.FetchedAt.IsZero() {
		t.Errorf("manual refresh event %+v", ev)
	}
}

// A waiter's context bounds Refresh, not the fetch.
func TestRefreshContext(t *testing.T) {
	iss := startIssuer(t)
	c := newCache(t, iss, cache.Config{})
	release := iss.Block()
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Refresh(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Refresh with a cancelled context: %v", err)
	}
}

// Fetch safety: redirects to another host are refused, bodies are capped.
func TestFetchSafety(t *testing.T) {
	iss := startIssuer(t)
	t.Run("redirect to another host", func(t *testing.T) {
		evil := httptest.NewServer(http.RedirectHandler(iss.JWKSURL(), http.StatusFound))
		defer evil.Close()
		c, err := keycache.New(keycache.Source{URL: evil.URL + "/jwks.json"}, cache.Config{HTTPClient: noKeepAlive()})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Load(context.Background()); err == nil || !strings.Contains(err.Error(), "another host") {
			t.Fatalf("Load through a cross-host redirect: %v", err)
		}
	})
	t.Run("redirect on the same host", func(t *testing.T) {
		mux := http.NewServeMux()
		srv := httptest.NewServer(mux)
		defer srv.Close()
		mux.Handle("/old", http.RedirectHandler("/new", http.StatusMovedPermanently))
		mux.HandleFunc("/new", func(w http.ResponseWriter, _ *http.Request) { w.Write(iss.JWKS()) })
		c, err := keycache.New(keycache.Source{URL: srv.URL + "/old"}, cache.Config{HTTPClient: noKeepAlive()})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Load(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("body cap", func(t *testing.T) {
		c := newCache(t, iss, cache.Config{MaxResponseBytes: 64})
		if err := c.Load(context.Background()); err == nil || !strings.Contains(err.Error(), "too large") {
			t.Fatalf("Load of a body over the cap: %v", err)
		}
	})
}

// Hooks see stale uses, with the trigger of the refresh that failed.
func TestStaleUseReported(t *testing.T) {
	iss := startIssuer(t)
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		c := newCache(t, iss, cache.Config{Strategy: cache.Usage, Usages: 1, MinRefreshInterval: time.Millisecond, DisableBackgroundRefresh: true, Metrics: rec.Hooks()})
		kid := iss.KID()
		mustKey(t, c, kid)
		iss.SetStatus(http.StatusInternalServerError)
		time.Sleep(5 * time.Millisecond) // past the 1.25 ms usage floor
		mustKey(t, c, kid)
		mustKey(t, c, kid) // backing off: stale without a fetch
		if rec.staleCount() != 2 {
			t.Errorf("%d stale uses, want 2", rec.staleCount())
		}
		if ev := rec.last(t); ev.Trigger != observe.TriggerUsage || ev.Result != observe.ResultError || ev.Err == nil {
			t.Errorf("refresh %+v, want a failed usage refresh", ev)
		}
	})
}

// Refreshes log at debug, failures at warn; nothing from the document.
func TestLogging(t *testing.T) {
	iss := startIssuer(t)
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newCache(t, iss, cache.Config{Logger: log})
	iss.SetStatus(http.StatusBadGateway)
	c.Load(context.Background())
	iss.SetStatus(0)
	c.Refresh(context.Background())
	iss.SetStatus(http.StatusBadGateway)
	c.Refresh(context.Background())
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := []string{
		"level=WARN msg=\"jwtguard: JWKS fetch failed; no keys to verify with\"",
		"level=DEBUG msg=\"jwtguard: JWKS refreshed\"",
		"level=WARN msg=\"jwtguard: JWKS refresh failed; keeping current keys\"",
	}
	if len(lines) != len(want) {
		t.Fatalf("log:\n%s\nwant %d lines", buf.String(), len(want))
	}
	for i, w := range want {
		if !strings.Contains(lines[i], w) || !strings.Contains(lines[i], "issuer="+iss.URL) {
			t.Errorf("line %d: %s\nwant %s with the issuer", i, lines[i], w)
		}
	}
	if strings.Contains(buf.String(), iss.KID()) {
		t.Error("the log carries document content (a kid)")
	}
}
