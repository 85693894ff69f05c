package redisstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/cache/redisstore"
	"github.com/jwtguard/jwtguard/internal/redislock/redislocktest"
	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/provider"
)

func TestWatchSurvivesRedisOutages(t *testing.T) {
	forEachServer(t, func(t *testing.T, srv server) {
		mk := func() *redisstore.Store {
			return (&backend{addr: srv.addr(), prefix: "jwtguard-test:outage:"}).store(t, nil)
		}
		w, other := mk(), mk()
		changed, calls := counter()

		srv.stop(t)
		stop, err := w.Watch(testURL, changed)
		if err != nil {
			t.Fatalf("Watch while Redis is down: %v; want the subscription made later", err)
		}
		defer stop()
		srv.start(t)
		within(t, calls, 10*time.Second, "call once Redis is up and the subscription made")

		srv.stop(t)
		srv.start(t)
		within(t, calls, 10*time.Second, "call once subscribed again after a restart")

		var f fetcher
		if _, err := fetchVia(context.Background(), other, time.Time{}, f.fetch, noReport(t)); err != nil {
			t.Fatal(err)
		}
		within(t, calls, 10*time.Second, "call for a document shared after the restart")
	})
}

func TestDeadSubscriptionIsReplaced(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		if b.cluster != nil {
			// A proxy in front of one node cannot stand for a cluster, whose
			// client follows MOVED redirects to the others.
			t.Skip("the dead connection is made by a TCP proxy in front of one Redis")
		}
		p := newProxy(t, b.addr)
		viaProxy := &backend{addr: p.addr(), prefix: b.prefix}
		w := viaProxy.store(t, func(c *redisstore.Config) { c.PingInterval = 100 * time.Millisecond })
		other := b.store(t, nil)
		changed, calls := counter()
		stop, err := w.Watch(testURL, changed)
		if err != nil {
			t.Fatal(err)
		}
		defer stop()
		within(t, calls, 5*time.Second, "first subscription")

		// The path dies without closing the connection: only an unanswered
		// PING can tell.
		p.freeze()
		within(t, calls, 5*time.Second, "call once subscribed on a new connection")
		var f fetcher
		if _, err := fetchVia(context.Background(), other, time.Time{}, f.fetch, noReport(t)); err != nil {
			t.Fatal(err)
		}
		within(t, calls, 5*time.Second, "notice on the new connection")
	})
}

// hangAfter is how long a call bounded by a Store's Timeout may take
// before the test calls it hung: a hang detector, far beyond any Timeout
// the tests set, not a speed limit.
const hangAfter = 30 * time.Second

// returns runs f, failing the test if it has not returned within
// hangAfter.
func returns(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	within(t, done, hangAfter, what)
}

func TestSlowRedisDoesNotStallRefreshes(t *testing.T) {
	const timeout = 100 * time.Millisecond
	ctx := context.Background()
	// A client without deadlines of its own (-1: go-redis sets only the
	// context's): were a call not bounded by the Store's Timeout, it would
	// hang on the silent Redis rather than give up after go-redis's
	// ReadTimeout.
	client := redis.NewClient(&redis.Options{Addr: redislocktest.Blackhole(t), ContextTimeoutEnabled: true,
		ReadTimeout: -1, WriteTimeout: -1})
	t.Cleanup(func() { client.Close() })
	s, err := redisstore.New(redisstore.Config{Client: client, Secret: testSecret, Prefix: "jwtguard-test:slow:", Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })

	t.Run("Fetch fetches itself", func(t *testing.T) {
		var f fetcher
		var r reports
		var doc *cache.Document
		var err error
		returns(t, "Fetch", func() { doc, err = fetchVia(ctx, s, time.Time{}, f.fetch, r.report) })
		errs := r.all()
		if err != nil || doc == nil || f.calls.Load() != 1 {
			t.Fatalf("Fetch = %v, %v after %d fetches; want a fetch of its own", doc, err, f.calls.Load())
		}
		if len(errs) != 1 || !errors.Is(errs[0], context.DeadlineExceeded) || !hasPrefix(errs[0]) {
			t.Fatalf("reported %v; want one timeout", errs)
		}
	})
	t.Run("Get fails", func(t *testing.T) {
		var doc *cache.Document
		var err error
		returns(t, "Get", func() { doc, err = s.Get(ctx, testURL) })
		if doc != nil || !errors.Is(err, context.DeadlineExceeded) || !hasPrefix(err) {
			t.Fatalf("Get = %v, %v; want a timeout", doc, err)
		}
	})
	t.Run("a cache loads without waiting", func(t *testing.T) {
		iss := testissuer.New()
		defer iss.Close()
		p, err := provider.NewOIDC(ctx, provider.OIDCConfig{Issuer: iss.URL, JWKSURL: iss.JWKSURL(), Audiences: []string{"api"}})
		if err != nil {
			t.Fatal(err)
		}
		var h recorder
		v, err := provider.NewVerifier(provider.VerifierConfig{
			Providers: []provider.Provider{p},
			Cache:     cache.Config{Store: s, Metrics: h.Hooks(), HTTPClient: iss.Server.Client()},
		})
		if err != nil {
			t.Fatalf("provider.NewVerifier with a hanging Redis: %v", err)
		}
		returns(t, "Load", func() {
			err = v.Load(ctx)
			v.Close()
		})
		if err != nil || iss.Fetches() != 1 || len(h.storeErrors()) == 0 {
			t.Fatalf("Load: %v, %d fetches, store failures %v; want keys fetched directly and the failure reported", err, iss.Fetches(), h.storeErrors())
		}
	})
	t.Run("Close returns", func(t *testing.T) {
		returns(t, "Close", func() { s.Close() })
	})
}

func TestReplicasThroughRedisOutage(t *testing.T) {
	forEachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		iss := testissuer.New()
		defer iss.Close()
		rs := newReplicas(t, 2, &backend{addr: srv.addr(), prefix: "jwtguard-test:outage:"}, iss,
			cache.Config{UnknownKIDCooldown: 10 * time.Millisecond, MinRefreshInterval: 10 * time.Millisecond},
			func(c *redisstore.Config) { c.Timeout = 200 * time.Millisecond })
		a, b := rs[0], rs[1]
		loadAll(t, rs)
		if n := iss.Fetches(); n != 1 {
			t.Fatalf("initial loads: %d fetches; want 1", n)
		}
		verify := func(when string, token string) {
			t.Helper()
			for i, r := range rs {
				if _, err := r.v.Verify(ctx, token); err != nil {
					t.Fatalf("%s: replica %c: %v", when, 'A'+i, err)
				}
			}
		}
		first := iss.Token("user", "api", nil)

		srv.stop(t)
		verify("Redis down, known key", first)
		rotated := iss.Sign(iss.AddKey("RS256"), iss.Claims("user", "api", time.Hour, nil))
		verify("Redis down, new key", rotated)
		if n := iss.Fetches(); n != 3 {
			t.Fatalf("Redis down, new key: %d fetches; want 3 (each replica for itself)", n)
		}
		for i, r := range rs {
			errs := r.rec.storeErrors()
			if len(errs) == 0 || !hasPrefix(errs[0]) {
				t.Fatalf("replica %c reported store failures %v; want Redis errors", 'A'+i, errs)
			}
		}

		srv.start(t)
		for i, r := range rs {
			// The client retries past its stale connections and its
			// failed dials (see newReplicaClient): one Ping reaches the
			// new server.
			if err := r.client.Ping(ctx).Err(); err != nil {
				t.Fatalf("Redis back: replica %c's client: %v", 'A'+i, err)
			}
		}
		again := iss.Sign(iss.AddKey("RS256"), iss.Claims("user", "api", time.Hour, nil))
		if _, err := a.v.Verify(ctx, again); err != nil {
			t.Fatalf("Redis back, replica A, newest key: %v", err)
		}
		if n := iss.Fetches(); n != 4 {
			t.Fatalf("Redis back, replica A: %d fetches; want 4", n)
		}
		b.rec.waitInstalled(t, a.rec.last().FetchedAt)
		unknownBefore := b.rec.unknownKIDs()
		verify("Redis back, newest key", again)
		if n := iss.Fetches(); n != 4 || b.rec.unknownKIDs() != unknownBefore {
			t.Fatalf("Redis back: replica B fetched (%d fetches in all) or met the kid as unknown; want A's document shared", n)
		}
	})
}

// A Redis that refuses connections: the store's error says so, not only
// that the call timed out (go-redis redials until the deadline and logs
// the cause), and it is still the timeout.
func TestRedisDownSaysWhy(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: redislocktest.Refused(t), ContextTimeoutEnabled: true})
	t.Cleanup(func() { c.Close() })
	s, err := redisstore.New(redisstore.Config{Client: c, Secret: testSecret, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.Get(context.Background(), testURL)
	if err == nil || !strings.Contains(err.Error(), "connection refused") || !strings.HasPrefix(err.Error(), "redisstore: ") {
		t.Fatalf("Get from a Redis that refuses connections: %v, want the refusal named", err)
	}
}
