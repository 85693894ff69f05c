package redisstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/cache/redisstore"
	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/provider"
)

func TestReplicasFetchAsOne(t *testing.T) {
	// One simulated hour of five replicas with a 5-minute Interval, scaled
	// down 500 times: Interval 600 ms, one hour 7.2 s.
	const (
		replicas = 5
		interval = 600 * time.Millisecond
		hour     = 12 * interval
	)
	forEachBackend(t, func(t *testing.T, b *backend) {
		iss := testissuer.New()
		defer iss.Close()
		rs := newReplicas(t, replicas, b, iss, cache.Config{
			Strategy:           cache.Time,
			Interval:           interval,
			MinRefreshInterval: 100 * time.Millisecond,
			MaxStale:           -1, // expired keys fail: every verification needs fresh keys
		}, nil)
		loadAll(t, rs)
		if n := iss.Fetches(); n != 1 {
			t.Fatalf("%d replicas starting together fetched %d times; want 1", replicas, n)
		}
		// The same fleet without Redis, over the same time, as a baseline.
		alone := testissuer.New()
		defer alone.Close()
		p, err := provider.NewOIDC(context.Background(), provider.OIDCConfig{Issuer: alone.URL, JWKSURL: alone.JWKSURL(), Audiences: []string{"api"}})
		if err != nil {
			t.Fatal(err)
		}
		for range replicas {
			v, err := provider.NewVerifier(provider.VerifierConfig{Providers: []provider.Provider{p}, Cache: cache.Config{Strategy: cache.Time,
				Interval: interval, MinRefreshInterval: 100 * time.Millisecond, HTTPClient: alone.Server.Client()}})
			if err != nil {
				t.Fatal(err)
			}
			defer v.Close()
			if err := v.Load(context.Background()); err != nil {
				t.Fatal(err)
			}
		}

		token := iss.Token("user", "api", nil)
		var verified, failed atomic.Int64
		var firstErr atomic.Value
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for _, r := range rs {
			wg.Go(func() {
				tick := time.NewTicker(5 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-stop:
						return
					case <-tick.C:
					}
					if _, err := r.v.Verify(context.Background(), token); err != nil {
						failed.Add(1)
						firstErr.CompareAndSwap(nil, err)
					} else {
						verified.Add(1)
					}
				}
			})
		}
		start := time.Now()
		time.Sleep(hour) // the simulated hour passes
		close(stop)
		wg.Wait()
		elapsed := time.Since(start) // on a loaded machine, more than an hour

		fetches, baseline := int(iss.Fetches()), int(alone.Fetches())
		// Each key set is refreshed at Threshold (0.8) of its lifetime,
		// jittered by ±10%: one process alone fetches at most once per
		// 0.72 Interval, plus its first fetch. Five replicas sharing
		// through Redis should do no more (+2 for races at a boundary);
		// without Redis each fetches for itself. The bound is of the
		// time that really passed, so that a slow machine (fewer, later
		// refreshes) cannot fail it; the keys' freshness is checked by
		// the verifications instead (MaxStale -1: none may use expired
		// keys, and each waits for fresh ones rather than fail).
		// A replica whose Redis call failed or timed out, or that waited
		// too long for a lock holder, fetches for itself and says so
		// (StoreFailed): on a loaded machine that happens, and each such
		// fetch is allowed for.
		storeFailures := 0
		var own, shared []int
		for _, r := range rs {
			o, s := r.rec.counts()
			own, shared = append(own, o), append(shared, s)
			storeFailures += len(r.rec.storeErrors())
		}
		bound := 1 + int(elapsed/(interval*72/100)) + 2 + storeFailures
		t.Logf("simulated hour: %d fetches by %d replicas (bound %d, %d store failures; %d without Redis); own fetches per replica %v, shared documents taken %v; %d verifications",
			fetches, replicas, bound, storeFailures, baseline, own, shared, verified.Load())
		if n := failed.Load(); n > 0 {
			t.Errorf("%d of %d verifications failed, first: %v", n, n+verified.Load(), firstErr.Load())
		}
		if fetches > bound || fetches < 2 {
			t.Errorf("%d fetches in a simulated hour (%v); want between 2 (keys refreshed) and %d", fetches, elapsed, bound)
		}
		if baseline < 3*fetches {
			t.Errorf("%d fetches with Redis, %d without; want sharing to cut them at least threefold", fetches, baseline)
		}
	})
}

func TestRotationReachesEveryReplica(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		iss := testissuer.New()
		defer iss.Close()
		const cooldown = 50 * time.Millisecond
		rs := newReplicas(t, 5, b, iss, cache.Config{UnknownKIDCooldown: cooldown, MinRefreshInterval: cooldown}, nil)
		loadAll(t, rs)
		if n := iss.Fetches(); n != 1 {
			t.Fatalf("initial loads fetched %d times; want 1", n)
		}
		// The unknown-kid cooldown holds for the fleet: a document any
		// replica fetched within it answers an unknown kid. Let it pass.
		time.Sleep(2 * cooldown)

		kid := iss.AddKey("RS256")
		token := iss.Sign(kid, iss.Claims("user", "api", time.Hour, nil))
		a, others := rs[0], rs[1:]
		if _, err := a.v.Verify(context.Background(), token); err != nil {
			t.Fatalf("replica A, new kid: %v", err)
		}
		published := time.Now()
		if n := iss.Fetches(); n != 2 {
			t.Fatalf("after A's unknown-kid refresh: %d fetches; want 2", n)
		}
		fetchedAt := a.rec.last().FetchedAt
		var slowest time.Duration
		for _, r := range others {
			r.rec.waitInstalled(t, fetchedAt)
			slowest = max(slowest, time.Since(published))
		}
		t.Logf("new key live on the other %d replicas %v after A's refresh returned", len(others), slowest)
		for i, r := range others {
			if _, err := r.v.Verify(context.Background(), token); err != nil {
				t.Errorf("replica %c, new kid: %v", 'B'+i, err)
			}
			if n := r.rec.unknownKIDs(); n != 0 {
				t.Errorf("replica %c met the kid as unknown %d times; want 0", 'B'+i, n)
			}
		}
		if n := iss.Fetches(); n != 2 {
			t.Errorf("after the rotation: %d fetches; want 2 (A's only)", n)
		}
	})
}

func TestSharedDocumentOfAnotherIssuerIsRefused(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		ctx := context.Background()
		iss, evil := issuerAndImpostor(t)

		// Redis holds evil's keys under iss's URL, recorded for another
		// issuer, dated 50 s ahead (within the clock skew allowed).
		planted := storedRecord(time.Now().Add(50 * time.Second))
		planted["url"], planted["issuer"] = iss.JWKSURL(), "https://evil.example/"
		planted["body"] = evil.JWKS()
		rs := newReplicas(t, 1, b, iss, cache.Config{}, nil)
		r := rs[0]
		sealed := redisstore.Seal(r.store, iss.JWKSURL(), []byte(mustJSON(t, planted))) // by a replica of the fleet
		if err := b.client(t).Set(ctx, r.store.Key(iss.JWKSURL()), sealed, time.Minute).Err(); err != nil {
			t.Fatal(err)
		}

		if err := r.v.Load(ctx); err != nil {
			t.Fatalf("Load: %v", err)
		}
		if _, err := r.v.Verify(ctx, iss.Token("user", "api", nil)); err != nil {
			t.Errorf("genuine token: %v", err)
		}
		if _, err := r.v.Verify(ctx, evil.Token("user", "api", nil)); err == nil {
			t.Error("token signed with the planted key verified")
		}
		if n := iss.Fetches(); n < 1 {
			t.Errorf("iss fetched %d times; want its keys fetched directly", n)
		}
		errs := r.rec.storeErrors()
		if len(errs) == 0 || !strings.Contains(errs[0].Error(), "unusable JWKS document") {
			t.Errorf("store failures %v; want the planted document refused", errs)
		}
		// Refused, it was replaced by the next good document: it no longer
		// stands in front of every refresh (before, it did, and tripled
		// the provider's fetches).
		if doc, err := r.store.Get(ctx, iss.JWKSURL()); err != nil || doc == nil || doc.Issuer != iss.URL {
			t.Errorf("Redis holds %+v, %v; want the document fetched from iss", doc, err)
		}
	})
}

// A writer to Redis without the fleet's secret plants a well-formed
// record for the issuer's URL holding its own key, and tells the replicas
// it changed: none of its tokens verifies, genuine ones do, and the
// planted record is replaced by the provider's keys.
func TestRedisWriterCannotServeKeys(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		ctx := context.Background()
		iss, evil := issuerAndImpostor(t)
		rs := newReplicas(t, 2, b, iss, cache.Config{}, nil)
		planted := storedRecord(time.Now())
		planted["url"], planted["issuer"], planted["body"] = iss.JWKSURL(), iss.URL, evil.JWKS()
		key := rs[0].store.Key(iss.JWKSURL())
		plant := func() {
			t.Helper()
			if err := b.client(t).Set(ctx, key, mustJSON(t, planted), time.Minute).Err(); err != nil {
				t.Fatal(err)
			}
			if err := b.client(t).Publish(ctx, key+":notice", "attacker").Err(); err != nil {
				t.Fatal(err)
			}
		}
		plant() // before the fleet has keys
		loadAll(t, rs)
		plant() // and once it has them
		for _, r := range rs {
			r.rec.waitInvalidDocument(t) // the notice was read, the record refused
		}

		accepted := 0
		const attempts = 100
		for i := range attempts {
			r := rs[i%len(rs)]
			if _, err := r.v.Verify(ctx, evil.Token(fmt.Sprint("attacker-", i), "api", nil)); err == nil {
				accepted++
			}
			if _, err := r.v.Verify(ctx, iss.Token("user", "api", nil)); err != nil {
				t.Fatalf("genuine token: %v", err)
			}
		}
		if accepted != 0 {
			t.Fatalf("%d of %d tokens signed with the planted key verified, want 0", accepted, attempts)
		}
		// A replica that joins reads a planted record, refuses it, and
		// replaces it with the provider's keys.
		plant()
		fetches := iss.Fetches()
		loadAll(t, newReplicas(t, 1, b, iss, cache.Config{}, nil))
		if iss.Fetches() != fetches+1 {
			t.Errorf("the joining replica made %d fetches, want 1", iss.Fetches()-fetches)
		}
		doc, err := rs[0].store.Get(ctx, iss.JWKSURL())
		if err != nil || doc == nil || !strings.Contains(string(doc.Body), iss.KID()) {
			t.Fatalf("Redis holds %+v, %v after a refresh; want the provider's keys, sealed", doc, err)
		}
	})
}

// issuerAndImpostor starts an issuer and another whose tokens claim to come
// from it, both closed when the test ends.
func issuerAndImpostor(t *testing.T) (iss, evil *testissuer.Issuer) {
	iss, evil = testissuer.New(), testissuer.New()
	t.Cleanup(iss.Close)
	t.Cleanup(evil.Close)
	evil.SetIssuer(iss.URL)
	return iss, evil
}
