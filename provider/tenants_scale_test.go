package provider_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/provider"
)

// tenThousand is the number of tenants of the scale test and benchmarks.
const tenThousand = 10_000

// zipf returns n tenant numbers below max, drawn with a Zipf-like
// popularity (a few tenants have most of the traffic, most have little).
func zipf(n, max int) []int {
	z := rand.NewZipf(rand.New(rand.NewPCG(1, 2)), 1.1, 1, uint64(max-1))
	out := make([]int, n)
	for i := range out {
		out[i] = int(z.Uint64())
	}
	return out
}

// signAll signs, on every core, a token of tenant ids[i] for each i.
func signAll(ts *tenantServer, ids []int) []string {
	toks := make([]string, len(ids))
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(ids); i += workers {
				toks[i] = ts.token(ids[i], fmt.Sprint("user", i))
			}
		})
	}
	wg.Wait()
	return toks
}

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// maxBytesPerTenant is the bound on the heap a held tenant costs (its
// route, key cache, parsed key set and map entry; one Ed25519 key).
const maxBytesPerTenant = 8 << 10

// Ten thousand tenants on one server, each with its own key: one token of
// every tenant, then traffic with a Zipf-like popularity. Every token
// verifies, every tenant's keys are fetched once (all within one
// lifetime), the heap per held tenant stays under maxBytesPerTenant, and
// no goroutine is left per tenant.
func TestTenThousandTenants(t *testing.T) {
	if testing.Short() {
		t.Skip("10 000 tenants: not in -short")
	}
	ts := newTenantServer(t, tenThousand)
	ids := make([]int, tenThousand)
	for i := range ids {
		ids[i] = i
	}
	traffic := 3 * tenThousand
	if raceEnabled {
		traffic = tenThousand / 2 // same tenants, less traffic: the package must fit the test timeout on a loaded machine
	}
	ids = append(ids, zipf(traffic, tenThousand)...)
	toks := signAll(ts, ids)

	var calls atomic.Int64
	goroutines, heap := runtime.NumGoroutine(), heapInUse()
	v := newTenantVerifier(t, provider.VerifierConfig{
		Tenants: provider.TenantsConfig{
			Resolver:   ts.resolver(&calls, func(int) bool { return true }),
			MaxTenants: tenThousand, LookupRate: 1e9, LookupBurst: tenThousand,
		},
		// Off, so that the heap measured is the tenants'.
		TokenCache: provider.TokenCacheConfig{Disabled: true},
		// By time only: under Both, the busiest tenants' keys would be
		// refreshed by usage (800 uses) once their floor (30 s) passed —
		// rightly, but on a slow machine within the test.
		Cache: cache.Config{Strategy: cache.Time},
	})
	var wg sync.WaitGroup
	var failed atomic.Int64
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < len(toks); i += 8 {
				if _, err := v.Verify(context.Background(), toks[i]); err != nil && failed.Add(1) < 5 {
					t.Errorf("token %d (tenant %d): %v", i, ids[i], err)
				}
			}
		})
	}
	wg.Wait()
	if failed.Load() > 0 {
		t.Fatalf("%d of %d tokens failed", failed.Load(), len(toks))
	}
	if n := provider.HeldTenants(v); n != tenThousand {
		t.Fatalf("%d tenants held, want %d", n, tenThousand)
	}
	perTenant := (int64(heapInUse()) - int64(heap)) / tenThousand
	for i := range tenThousand {
		if f := ts.fetches[i].Load(); f != 1 {
			t.Fatalf("tenant %d fetched %d times, want once", i, f)
		}
	}
	if c := calls.Load(); c != tenThousand {
		t.Errorf("%d Resolver calls, want %d (one per tenant)", c, tenThousand)
	}
	if g := runtime.NumGoroutine() - goroutines; g > 10 {
		t.Errorf("%d goroutines more with %d tenants held, want O(1), not O(tenants)", g, tenThousand)
	}
	t.Logf("%d tenants held: %d bytes of heap each; %d tokens verified", tenThousand, perTenant, len(toks))
	if perTenant > maxBytesPerTenant {
		t.Errorf("%d bytes of heap per held tenant, over the bound %d", perTenant, maxBytesPerTenant)
	}
	runtime.KeepAlive(toks)
}

// Churn: 100 000 tenants arrive at a Verifier that holds 100 — most are
// resolved and evicted without a token verified, one in fifty fetches
// its keys — and nothing is left running once it is closed.
func TestTenantChurnLeavesNothingRunning(t *testing.T) {
	arrivals := 100_000
	if testing.Short() {
		arrivals = 10_000
	}
	ts := newTenantServer(t, arrivals) // closed after the check
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var calls atomic.Int64
	v, err := provider.NewVerifier(provider.VerifierConfig{
		Tenants: provider.TenantsConfig{
			Resolver:   ts.resolver(&calls, func(int) bool { return true }),
			MaxTenants: 100, LookupRate: 1e9, LookupBurst: arrivals,
		},
		// Idle connections are the transport's, not the Verifier's.
		Cache: cache.Config{HTTPClient: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now()
	for i := range arrivals {
		if i%50 == 0 {
			if _, err := v.Verify(ctx, ts.token(i, "u")); err != nil {
				t.Fatalf("tenant %d: %v", i, err)
			}
		} else if !provider.RouteTenant(v, ctx, ts.issuer(i), now) {
			t.Fatalf("tenant %d was not routed", i)
		}
		if n := provider.HeldTenants(v); n > 100 {
			t.Fatalf("%d tenants held, over MaxTenants 100", n)
		}
	}
	if c := calls.Load(); c != int64(arrivals) {
		t.Errorf("%d Resolver calls for %d arrivals, want one each", c, arrivals)
	}
	v.Close()
}

// BenchmarkTenantRouting is the routing of a token's issuer to one of
// 10 000 tenants held: the goal is under 100 ns and no allocation.
func BenchmarkTenantRouting(b *testing.B) {
	ts := newTenantServer(b, tenThousand)
	var calls atomic.Int64
	v := newTenantVerifier(b, provider.VerifierConfig{
		Tenants: provider.TenantsConfig{
			Resolver:   ts.resolver(&calls, func(int) bool { return true }),
			MaxTenants: tenThousand, LookupRate: 1e9, LookupBurst: tenThousand,
		},
	})
	ctx, now := context.Background(), time.Now()
	issuers := make([]string, tenThousand)
	for i := range issuers {
		issuers[i] = ts.issuer(i)
		if !provider.RouteTenant(v, ctx, issuers[i], now) {
			b.Fatal("not routed")
		}
	}
	rand.Shuffle(len(issuers), func(i, j int) { issuers[i], issuers[j] = issuers[j], issuers[i] })
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if !provider.RouteTenant(v, ctx, issuers[i%tenThousand], now) {
			b.Fatal("not routed")
		}
		i++
	}
}

// BenchmarkResolverVsFixed is the cost of tenants on the verification
// path: a token of one issuer verified by a Verifier that has it as its
// one fixed Provider, and by one that holds it among 10 000 resolved
// tenants, interleaved — for a new token (cold) and a token seen before
// (hit). resolver/fixed should be at most 1.05.
func BenchmarkResolverVsFixed(b *testing.B) {
	ts := newTenantServer(b, tenThousand)
	var calls atomic.Int64
	for _, mode := range []struct {
		name string
		tc   provider.TokenCacheConfig
	}{{"cold", provider.TokenCacheConfig{Disabled: true}}, {"hit", provider.TokenCacheConfig{}}} {
		b.Run(mode.name, func(b *testing.B) {
			resolver := ts.resolver(&calls, func(int) bool { return true })
			fixedP, err := resolver(context.Background(), ts.issuer(42))
			if err != nil {
				b.Fatal(err)
			}
			fixed := newTenantVerifier(b, provider.VerifierConfig{Providers: []provider.Provider{fixedP}, TokenCache: mode.tc})
			tenants := newTenantVerifier(b, provider.VerifierConfig{
				Tenants: provider.TenantsConfig{
					Resolver: resolver, MaxTenants: tenThousand, LookupRate: 1e9, LookupBurst: tenThousand,
				},
				TokenCache: mode.tc,
			})
			ctx, now := context.Background(), time.Now()
			for i := range tenThousand {
				provider.RouteTenant(tenants, ctx, ts.issuer(i), now)
			}
			token := ts.token(42, "alice")
			verifyOK(b, fixed, token)
			verifyOK(b, tenants, token)
			interleave(b, "resolver", "fixed", 16, func() {
				if _, err := tenants.Verify(ctx, token); err != nil {
					b.Fatal(err)
				}
			}, func() {
				if _, err := fixed.Verify(ctx, token); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkTenantIsolation: one tenant's JWKS endpoint hangs and another
// is flooded with tokens of random kids, while the verifications of the
// other tenants' new tokens are timed; the same verifications are timed,
// in the same run, while the flooding goroutine sends the flooded
// tenant's good tokens instead (the same load on the machine, no
// trouble). The p99 ratio (with/without) should be about 1: no shared
// lock, cooldown or queue.
func BenchmarkTenantIsolation(b *testing.B) {
	const tenants = 100
	ts := newTenantServer(b, tenants)
	var calls atomic.Int64
	v := newTenantVerifier(b, provider.VerifierConfig{
		Tenants:    provider.TenantsConfig{Resolver: ts.resolver(&calls, func(int) bool { return true })},
		TokenCache: provider.TokenCacheConfig{Disabled: true},
	})
	ctx := context.Background()
	toks := signAll(ts, func() []int {
		ids := make([]int, 4096)
		for i := range ids {
			ids[i] = 2 + i%(tenants-2)
		}
		return ids
	}())
	for _, tok := range toks[:tenants] {
		verifyOK(b, v, tok)
	}
	release := ts.hangJWKS(0) // tenant 0: every fetch hangs
	defer release()
	flood := make([]string, 256)
	for i := range flood {
		flood[i] = ts.tokenFor(1, ts.issuer(1), fmt.Sprint("random-kid-", rand.Uint64()), "eve")
	}
	verifyOK(b, v, ts.token(1, "warm")) // tenant 1's keys are held

	p99 := func(d []time.Duration) time.Duration {
		slices.Sort(d)
		return d[len(d)*99/100]
	}
	var with, without []time.Duration
	timeOne := func(i int) time.Duration {
		t0 := time.Now()
		if _, err := v.Verify(ctx, toks[i%len(toks)]); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	good := make([]string, 256) // tenant 1's, each verified in full (no token cache)
	for j := range good {
		good[j] = ts.token(1, fmt.Sprint("user", j))
	}
	// load sends tokens in a loop until stop is closed.
	load := func(toks []string, stop chan struct{}) {
		for j := 0; ; j++ {
			select {
			case <-stop:
				return
			default:
			}
			_, _ = v.Verify(ctx, toks[j%len(toks)])
		}
	}
	i := 0
	for b.Loop() {
		// Quiet: the other tenants, and tenant 1's good tokens.
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() { load(good, stop) })
		for range 16 {
			without = append(without, timeOne(i))
			i++
		}
		close(stop)
		wg.Wait()
		// Trouble: a token of the hanging tenant waiting on its fetch, and
		// tenant 1's tokens of random kids; the same verifications again.
		stop = make(chan struct{})
		wg.Go(func() {
			c, cancel := context.WithCancel(ctx)
			defer cancel()
			go func() { <-stop; cancel() }()
			_, _ = v.Verify(c, ts.token(0, "stuck"))
		})
		wg.Go(func() { load(flood, stop) })
		for range 16 {
			with = append(with, timeOne(i))
			i++
		}
		close(stop)
		wg.Wait()
	}
	pw, po := p99(with), p99(without)
	b.ReportMetric(float64(pw.Nanoseconds()), "p99-with-ns")
	b.ReportMetric(float64(po.Nanoseconds()), "p99-without-ns")
	b.ReportMetric(float64(pw)/float64(po), "p99-with/without")
}
