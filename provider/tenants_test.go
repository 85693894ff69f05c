package provider_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/reasons"
	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/provider"
)

// newTenantVerifier returns a Verifier whose tenants are ts's, resolved
// by r; cfg's other fields are kept.
func newTenantVerifier(t testing.TB, cfg provider.VerifierConfig) *provider.Verifier {
	t.Helper()
	if cfg.Cache.HTTPClient == nil {
		// No keep-alive: a synctest bubble must not keep connection
		// goroutines blocked on the network.
		cfg.Cache.HTTPClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	}
	v, err := provider.NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

// A tenant is resolved on its first token — one Resolver call and one
// fetch however many tokens arrive together — and a refused issuer costs
// one Resolver call, held, and no fetch.
func TestTenantsResolvedOnFirstToken(t *testing.T) {
	ts := newTenantServer(t, 10)
	var calls atomic.Int64
	v := newTenantVerifier(t, provider.VerifierConfig{
		Tenants: provider.TenantsConfig{Resolver: ts.resolver(&calls, func(i int) bool { return i != 2 })},
	})
	var wg sync.WaitGroup
	for g := range 50 {
		wg.Go(func() {
			if _, err := v.Verify(context.Background(), ts.token(1, fmt.Sprint("user", g))); err != nil {
				t.Errorf("first tokens of tenant 1: %v", err)
			}
		})
	}
	wg.Wait()
	if c, f := calls.Load(), ts.fetches[1].Load(); c != 1 || f != 1 {
		t.Fatalf("50 first tokens of one tenant: %d Resolver calls, %d fetches; want 1 and 1", c, f)
	}

	for range 3 {
		if _, err := v.Verify(context.Background(), ts.token(2, "eve")); !errors.Is(err, reasons.UnknownIssuer) {
			t.Fatalf("token of a refused tenant: %v, want ErrUnknownIssuer", err)
		}
		if _, err := v.Verify(context.Background(), ts.tokenFor(3, "https://elsewhere.example/t/3", "k3", "eve")); !errors.Is(err, reasons.UnknownIssuer) {
			t.Fatalf("token of an issuer off the server: %v, want ErrUnknownIssuer", err)
		}
	}
	if c, f := calls.Load(), ts.totalFetches(); c != 3 || f != 1 {
		t.Fatalf("refused issuers asked 3 times each: %d Resolver calls in all, %d fetches; want 3 (one each) and 1", c, f)
	}

	// A tenant's key does not verify another's token.
	if _, err := v.Verify(context.Background(), ts.tokenFor(4, ts.issuer(1), "k1", "eve")); !errors.Is(err, reasons.Signature) {
		t.Fatalf("token of tenant 1 signed with tenant 4's key: %v, want ErrSignature", err)
	}

	// Forget: a removed tenant stops verifying now; a refused one is asked again.
	tok := ts.token(1, "alice")
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	v.Forget(ts.issuer(1))
	v.Forget(ts.issuer(2))
	if provider.HeldTenants(v) != 0 {
		t.Fatalf("%d tenants held after Forget, want 0", provider.HeldTenants(v))
	}
	if _, err := v.Verify(context.Background(), tok); err != nil || calls.Load() != 4 || ts.fetches[1].Load() != 2 {
		t.Fatalf("after Forget, a token of the tenant: %v, %d calls, %d fetches; want it resolved and fetched again", err, calls.Load(), ts.fetches[1].Load())
	}
	if _, err := v.Verify(context.Background(), ts.token(2, "eve")); !errors.Is(err, reasons.UnknownIssuer) || calls.Load() != 5 {
		t.Fatalf("after Forget, a token of the refused tenant: %v, %d calls; want asked again (5) and refused", err, calls.Load())
	}
}

// The fixed Providers come first; a Resolver's failure, or an answer that
// names another issuer, is a 503 with Retry-After, held for 5 seconds (a
// tenant whose lookups fail does not spend the rate the others need), and
// asked about again after.
func TestTenantsResolverMistakes(t *testing.T) {
	ts := newTenantServer(t, 4)
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int64
		fail := errors.New("database down")
		v := newTenantVerifier(t, provider.VerifierConfig{
			Tenants: provider.TenantsConfig{Resolver: func(ctx context.Context, iss string) (provider.Provider, error) {
				calls.Add(1)
				switch ts.tenantOf(iss) {
				case 1:
					return nil, fail
				case 2: // a provider for tenant 0, asked about 2
					return provider.NewOIDC(ctx, provider.OIDCConfig{Issuer: ts.issuer(0), JWKSURL: ts.issuer(0) + "/jwks.json", Audiences: []string{testAudience}, Algorithms: []string{"EdDSA"}})
				}
				return nil, nil
			}, LookupBurst: 3},
		})
		round := func() {
			t.Helper()
			for range 100 {
				_, err := v.Verify(context.Background(), ts.token(1, "u"))
				var ue *provider.KeysUnavailableError
				if !errors.As(err, &ue) || !errors.Is(err, fail) || ue.RetryAfter <= 0 {
					t.Fatalf("Resolver error: %v, want a KeysUnavailableError wrapping it, with Retry-After", err)
				}
				if _, err := v.Verify(context.Background(), ts.token(2, "u")); !errors.As(err, &ue) {
					t.Fatalf("Resolver answered with another issuer's provider: %v, want KeysUnavailableError", err)
				}
			}
		}
		round()
		if c, f := calls.Load(), ts.totalFetches(); c != 2 || f != 0 {
			t.Fatalf("%d Resolver calls, %d fetches; want 2 (failures held) and none", c, f)
		}
		// The rate is left for other issuers: a burst of 3, 2 spent.
		if _, err := v.Verify(context.Background(), ts.token(3, "u")); !errors.Is(err, reasons.UnknownIssuer) {
			t.Fatalf("another issuer while two fail: %v, want it asked about (and refused)", err)
		}
		time.Sleep(5 * time.Second)
		round()
		if c := calls.Load(); c != 5 {
			t.Fatalf("%d Resolver calls after 5 s, want 5 (each failing issuer asked again once)", c)
		}
	})
}

// Forget overtakes a Resolver call in flight: its answer, read before the
// tenant was added, is not held, and the token waiting for it asks again.
func TestTenantsForgetDuringLookup(t *testing.T) {
	ts := newTenantServer(t, 2)
	var allowed atomic.Bool
	entered, release := make(chan struct{}, 1), make(chan struct{})
	var calls atomic.Int64
	inner := ts.resolver(&calls, func(int) bool { return true })
	v := newTenantVerifier(t, provider.VerifierConfig{
		Tenants: provider.TenantsConfig{Resolver: func(ctx context.Context, iss string) (provider.Provider, error) {
			ok := allowed.Load() // read before the tenant is added...
			select {
			case entered <- struct{}{}:
				<-release // ...answered after
			default:
			}
			if !ok {
				return nil, nil
			}
			return inner(ctx, iss)
		}},
	})
	done := make(chan error)
	go func() {
		_, err := v.Verify(context.Background(), ts.token(1, "u"))
		done <- err
	}()
	<-entered
	allowed.Store(true) // the tenant is added...
	v.Forget(ts.issuer(1))
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("token waiting on a lookup that Forget overtook: %v, want it asked again and verified", err)
	}
}

// MaxTenants bounds the tenants held: a full Verifier evicts the least
// recently used, whose cache stops and whose cached tokens stop serving;
// its next token resolves it again.
func TestTenantsEvictedWhenFull(t *testing.T) {
	ts := newTenantServer(t, 40)
	var calls atomic.Int64
	v := newTenantVerifier(t, provider.VerifierConfig{
		Tenants: provider.TenantsConfig{Resolver: ts.resolver(&calls, func(int) bool { return true }), MaxTenants: 8},
	})
	hot := ts.token(0, "hot")
	toks := make([]string, 40)
	for i := range toks {
		toks[i] = ts.token(i, "u")
	}
	for round := range 2 {
		for i, tok := range toks {
			if _, err := v.Verify(context.Background(), tok); err != nil {
				t.Fatalf("round %d, tenant %d: %v", round, i, err)
			}
			if _, err := v.Verify(context.Background(), hot); err != nil { // tenant 0 stays in use
				t.Fatalf("round %d, hot tenant: %v", round, err)
			}
			if n := provider.HeldTenants(v); n > 8 {
				t.Fatalf("%d tenants held, over MaxTenants 8", n)
			}
		}
	}
	if f := ts.fetches[0].Load(); f != 1 {
		t.Errorf("the tenant in use was fetched %d times, want once: CLOCK evicted it", f)
	}
	if f := ts.fetches[20].Load(); f != 2 {
		t.Errorf("a tenant evicted between rounds was fetched %d times, want 2", f)
	}
}

// IdleTimeout evicts a tenant that verified nothing for that long, and a
// tenant whose tokens are all answered from the token cache is not idle.
func TestTenantsEvictedWhenIdle(t *testing.T) {
	ts := newTenantServer(t, 4)
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int64
		v := newTenantVerifier(t, provider.VerifierConfig{
			Tenants: provider.TenantsConfig{Resolver: ts.resolver(&calls, func(int) bool { return true }), IdleTimeout: 5 * time.Minute},
		})
		busy, quiet := ts.token(1, "u"), ts.token(2, "u")
		for _, tok := range []string{busy, quiet} {
			if _, err := v.Verify(context.Background(), tok); err != nil {
				t.Fatal(err)
			}
		}
		// 8 minutes: past the quiet tenant's IdleTimeout and the sweep after
		// it, before the keys' background refresh (at 0.8 × 20 minutes,
		// ±10%).
		for range 8 {
			time.Sleep(time.Minute)
			if _, err := v.Verify(context.Background(), busy); err != nil { // a token-cache hit
				t.Fatal(err)
			}
		}
		synctest.Wait()
		if n := provider.HeldTenants(v); n != 1 {
			t.Fatalf("%d tenants held after 8 minutes, one of them idle: want 1", n)
		}
		if f := ts.fetches[1].Load(); f != 1 {
			t.Errorf("the busy tenant was fetched %d times in 8 minutes, want once", f)
		}
		if _, err := v.Verify(context.Background(), quiet); err != nil || ts.fetches[2].Load() != 2 {
			t.Fatalf("the evicted tenant's token: %v, %d fetches; want verified after a second fetch", err, ts.fetches[2].Load())
		}
	})
}

// unsignedToken is a token naming iss whose signature is junk: it is
// routed (and refused) before any signature check.
func unsignedToken(iss string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"EdDSA","kid":"k"}`)) + "." +
		enc(fmt.Appendf(nil, `{"iss":%q,"aud":%q,"exp":%d}`, iss, testAudience, time.Now().Add(time.Hour).Unix())) + "." +
		enc(make([]byte, 64))
}

// The flood: tokens naming invented issuers — off the server, on it with
// ids no tenant has, lookalikes of real ones — cost no fetch, and no more
// Resolver calls than the rate allows; the tenants held meanwhile verify
// as always, and an issuer refused once is not asked about again.
func TestTenantsFloodOfInventedIssuers(t *testing.T) {
	ts := newTenantServer(t, 100)
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int64
		const rate, burst, seconds = 10, 100, 30
		v := newTenantVerifier(t, provider.VerifierConfig{
			Tenants: provider.TenantsConfig{
				Resolver:   ts.resolver(&calls, func(i int) bool { return i < 10 }),
				LookupRate: rate, LookupBurst: burst,
			},
		})
		real := ts.token(5, "u")
		if _, err := v.Verify(context.Background(), real); err != nil {
			t.Fatal(err)
		}
		calls.Store(0)
		fetches := ts.totalFetches()
		kinds := []func(n int) string{
			func(n int) string { return fmt.Sprintf("https://tenant-%d.example", n) }, // not the pattern
			func(n int) string { return ts.issuer(1000 + n) },                         // the pattern, no such tenant
			func(n int) string { return ts.issuer(5) + "/" },                          // lookalikes of tenant 5
			func(n int) string { return fmt.Sprintf("%s/t/%05d", ts.URL, 5) },
			func(n int) string { return ts.issuer(50 + n%50) }, // real ids, not allowed
		}
		throttled := 0
		for s := range seconds {
			for n := range 2000 {
				iss := kinds[n%len(kinds)](s*2000 + n)
				_, err := v.Verify(context.Background(), unsignedToken(iss))
				var ue *provider.KeysUnavailableError
				switch {
				case errors.As(err, &ue) && ue.RetryAfter > 0:
					throttled++
				case !errors.Is(err, reasons.UnknownIssuer):
					t.Fatalf("token of invented issuer %q: %v, want ErrUnknownIssuer or a 503 with Retry-After", iss, err)
				}
			}
			if _, err := v.Verify(context.Background(), real); err != nil {
				t.Fatalf("second %d of the flood, the real tenant's token: %v", s, err)
			}
			time.Sleep(time.Second)
		}
		if f := ts.totalFetches() - fetches; f != 0 {
			t.Errorf("%d fetches during the flood, want none", f)
		}
		if c := calls.Load(); c > burst+rate*seconds {
			t.Errorf("%d Resolver calls over %d s, over the bound %d (burst + rate × time)", c, seconds, burst+rate*seconds)
		}
		if throttled == 0 {
			t.Error("no token was throttled: the flood did not reach the rate limit, and the test tested nothing")
		}
		t.Logf("%d tokens of invented issuers over %d s: %d Resolver calls, %d throttled", seconds*2000, seconds, calls.Load(), throttled)

		// A new real tenant during a flood is asked about once the rate
		// allows: its first token may be a 503, a retry verifies.
		var err error
		for try := 0; try < 3; try++ {
			if _, err = v.Verify(context.Background(), ts.token(7, "u")); err == nil {
				break
			}
			var ue *provider.KeysUnavailableError
			if !errors.As(err, &ue) {
				t.Fatalf("new tenant's token: %v, want success or a 503 to retry", err)
			}
			time.Sleep(ue.RetryAfter)
		}
		if err != nil {
			t.Fatalf("new tenant's token after retries: %v", err)
		}
	})
}

// Answers are held: fifty invented issuers sent a hundred times each cost
// fifty Resolver calls.
func TestTenantsRefusalsHeld(t *testing.T) {
	ts := newTenantServer(t, 10)
	var calls atomic.Int64
	v := newTenantVerifier(t, provider.VerifierConfig{
		Tenants: provider.TenantsConfig{Resolver: ts.resolver(&calls, func(int) bool { return false })},
	})
	toks := make([]string, 50)
	for i := range toks {
		toks[i] = unsignedToken(fmt.Sprintf("https://invented-%d.example", i))
	}
	for range 100 {
		for _, tok := range rand.Perm(len(toks)) {
			if _, err := v.Verify(context.Background(), toks[tok]); !errors.Is(err, reasons.UnknownIssuer) {
				t.Fatalf("invented issuer: %v, want ErrUnknownIssuer", err)
			}
		}
	}
	if c := calls.Load(); c != 50 {
		t.Fatalf("%d Resolver calls for 50 issuers sent 100 times each, want 50", c)
	}
	long := unsignedToken("https://" + strings.Repeat("a", 600) + ".example")
	if _, err := v.Verify(context.Background(), long); !errors.Is(err, reasons.UnknownIssuer) || calls.Load() != 50 {
		t.Fatalf("a 600-byte issuer: %v after %d Resolver calls; want ErrUnknownIssuer without a call", err, calls.Load())
	}
}

// Partition: answers are held per partition, so a Resolver may read the
// request's tenant from the context.
func TestTenantsPartition(t *testing.T) {
	ts := newTenantServer(t, 4)
	type hostKey struct{}
	var calls atomic.Int64
	inner := ts.resolver(&calls, func(int) bool { return true })
	v := newTenantVerifier(t, provider.VerifierConfig{
		Tenants: provider.TenantsConfig{
			Partition: func(ctx context.Context) string { h, _ := ctx.Value(hostKey{}).(string); return h },
			Resolver: func(ctx context.Context, iss string) (provider.Provider, error) {
				// Host "tenant-i" accepts tenant i's issuer only.
				if ctx.Value(hostKey{}) != fmt.Sprint("tenant-", ts.tenantOf(iss)) {
					return nil, nil
				}
				return inner(ctx, iss)
			},
		},
	})
	on := func(host string) context.Context { return context.WithValue(context.Background(), hostKey{}, host) }
	tok := ts.token(1, "u")
	if _, err := v.Verify(on("tenant-2"), tok); !errors.Is(err, reasons.UnknownIssuer) {
		t.Fatalf("tenant 1's token on tenant 2's host: %v, want ErrUnknownIssuer", err)
	}
	if _, err := v.Verify(on("tenant-1"), tok); err != nil {
		t.Fatalf("tenant 1's token on its host, after a refusal on another: %v", err)
	}
	// Verified on its host, the token is in the token cache: which does
	// not answer it on another host.
	if _, err := v.Verify(on("tenant-2"), tok); !errors.Is(err, reasons.UnknownIssuer) {
		t.Fatalf("tenant 1's token on tenant 2's host, after it verified on its own: %v, want ErrUnknownIssuer", err)
	}
}

// OIDCResolver looks up only well-formed issuer URLs, and discovers the
// keys of the ones it accepts.
func TestOIDCResolver(t *testing.T) {
	iss := testissuer.New()
	defer iss.Close()
	var calls atomic.Int64
	r := provider.OIDCResolver(func(ctx context.Context, issuer string) (provider.OIDCConfig, bool, error) {
		calls.Add(1)
		if issuer != iss.Issuer() {
			return provider.OIDCConfig{}, false, nil
		}
		return provider.OIDCConfig{Audiences: []string{testAudience}}, true, nil
	})
	for _, bad := range []string{
		"", "issuer", "ftp://issuer.example", "https://", "https://user@issuer.example", "https://issuer.example?x=1",
		"https://issuer.example#f", "https://issuer.example?", "mailto:a@issuer.example", "//issuer.example", "https://issuer.example/%zz",
	} {
		if p, err := r(context.Background(), bad); p != nil || err != nil {
			t.Errorf("resolver(%q) = %v, %v; want nil, nil", bad, p, err)
		}
	}
	if n := calls.Load(); n != 0 {
		t.Fatalf("%d lookups for malformed issuers, want none", n)
	}
	if p, err := r(context.Background(), "https://other.example"); p != nil || err != nil || calls.Load() != 1 {
		t.Fatalf("the resolver, of an issuer lookup refuses = %v, %v after %d lookups; want nil, nil after 1", p, err, calls.Load())
	}
	v := newTenantVerifier(t, provider.VerifierConfig{Tenants: provider.TenantsConfig{Resolver: r}})
	if _, err := v.Verify(context.Background(), iss.Token("alice", testAudience, nil)); err != nil {
		t.Fatalf("token of a discovered tenant: %v", err)
	}
}

// The unknown-kid guard is per tenant: while one tenant is flooded with
// tokens of random kids (its cooldown running), another tenant's key
// rotation is picked up by the first token of the new key.
func TestTenantsUnknownKIDGuardPerTenant(t *testing.T) {
	ts := newTenantServer(t, 4)
	var calls atomic.Int64
	v := newTenantVerifier(t, provider.VerifierConfig{
		Tenants: provider.TenantsConfig{Resolver: ts.resolver(&calls, func(int) bool { return true })},
		Cache:   cache.Config{UnknownKIDCooldown: time.Hour},
	})
	ctx := context.Background()
	for _, i := range []int{1, 2} {
		if _, err := v.Verify(ctx, ts.token(i, "u")); err != nil {
			t.Fatal(err)
		}
	}
	for n := range 200 {
		_, err := v.Verify(ctx, ts.tokenFor(1, ts.issuer(1), fmt.Sprint("random-", n), "eve"))
		if !errors.Is(err, reasons.UnknownKey) {
			t.Fatalf("random kid: %v, want ErrUnknownKey", err)
		}
	}
	if f := ts.fetches[1].Load(); f != 2 {
		t.Fatalf("the flooded tenant fetched %d times, want 2 (the first, and one refresh in its cooldown)", f)
	}
	if _, err := v.Verify(ctx, ts.rotate(2, "u")); err != nil {
		t.Fatalf("the other tenant's first token of a new key, during the flood: %v", err)
	}
	if f := ts.fetches[2].Load(); f != 2 {
		t.Errorf("the rotating tenant fetched %d times, want 2", f)
	}
}

// A TenantsConfig that cannot work is refused, naming the setting.
func TestTenantsConfigRefused(t *testing.T) {
	r := provider.Resolver(func(context.Context, string) (provider.Provider, error) { return nil, nil })
	for _, tt := range []struct {
		cfg  provider.TenantsConfig
		want string
	}{
		{provider.TenantsConfig{Resolver: r, MaxTenants: -1}, "must not be negative"},
		{provider.TenantsConfig{Resolver: r, IdleTimeout: time.Millisecond}, "IdleTimeout"},
		{provider.TenantsConfig{Resolver: r, LookupRate: math.NaN()}, "LookupRate"},
		{provider.TenantsConfig{Resolver: r, LookupRate: math.Inf(1)}, "LookupRate"},
		{provider.TenantsConfig{Partition: func(context.Context) string { return "" }}, "Partition"},
	} {
		_, err := provider.NewVerifier(provider.VerifierConfig{Tenants: tt.cfg, Providers: []provider.Provider{must(provider.NewOIDC(context.Background(), provider.OIDCConfig{Issuer: "https://a.example", JWKSURL: "https://a.example/jwks", InsecureSkipAudienceCheck: true}))}})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewVerifier(%+v) = %v, want an error naming %q", tt.cfg, err, tt.want)
		}
	}
}

// Failed verifications reuse their decoding state; claims handed to a
// Validate that failed are never reused, whatever it kept of them, and a
// refused issuer held is a copy, not a view of a reused buffer.
func TestFailedVerificationsKeepNothingShared(t *testing.T) {
	ts := newTenantServer(t, 2)
	var kept []*provider.Claims
	refuse := errors.New("refused by rule")
	v := newTenantVerifier(t, provider.VerifierConfig{
		Tenants: provider.TenantsConfig{Resolver: func(ctx context.Context, iss string) (provider.Provider, error) {
			if ts.tenantOf(iss) != 1 {
				return nil, nil
			}
			return provider.NewOIDC(ctx, provider.OIDCConfig{
				Issuer: iss, JWKSURL: iss + "/jwks.json", Audiences: []string{testAudience}, Algorithms: []string{"EdDSA"},
				Validate: func(c *provider.Claims) error { kept = append(kept, c); return refuse },
			})
		}},
		TokenCache: provider.TokenCacheConfig{Disabled: true},
	})
	var calls atomic.Int64
	good := newTenantVerifier(t, provider.VerifierConfig{ // the pools are shared by every Verifier
		Tenants:    provider.TenantsConfig{Resolver: ts.resolver(&calls, func(int) bool { return true })},
		TokenCache: provider.TokenCacheConfig{Disabled: true},
	})
	var verified []*provider.Claims
	ctx := context.Background()
	for i := range 50 {
		if _, err := v.Verify(ctx, ts.token(1, fmt.Sprint("kept-", i))); !errors.Is(err, refuse) {
			t.Fatalf("token refused by Validate: %v", err)
		}
		c, err := good.Verify(ctx, ts.token(1, fmt.Sprint("verified-", i)))
		if err != nil {
			t.Fatal(err)
		}
		verified = append(verified, c)
		for j := range 20 { // failures of every kind in between
			_, _ = v.Verify(ctx, ts.tokenFor(1, ts.issuer(1), fmt.Sprint("kid-", j), "x"))
			_, _ = v.Verify(ctx, unsignedToken(fmt.Sprintf("https://refused-%d-%d.example", i, j)))
		}
	}
	for i, c := range kept {
		if c.Subject() != fmt.Sprint("kept-", i) || c.Issuer() != ts.issuer(1) {
			t.Fatalf("claims kept by Validate changed: #%d reads subject %q, issuer %q", i, c.Subject(), c.Issuer())
		}
	}
	for i, c := range verified {
		if c.Subject() != fmt.Sprint("verified-", i) || c.Issuer() != ts.issuer(1) || !slices.Contains(c.Audience(), testAudience) {
			t.Fatalf("verified claims changed: #%d reads subject %q, issuer %q, audience %q", i, c.Subject(), c.Issuer(), c.Audience())
		}
	}
	// The refusals held still answer for their own issuers.
	if _, err := v.Verify(ctx, unsignedToken("https://refused-0-0.example")); !errors.Is(err, reasons.UnknownIssuer) {
		t.Fatalf("a refused issuer asked again: %v", err)
	}
}

// Refresh reaches the tenants held, and only them.
func TestTenantsRefresh(t *testing.T) {
	ts := newTenantServer(t, 3)
	var calls atomic.Int64
	v := newTenantVerifier(t, provider.VerifierConfig{
		Tenants: provider.TenantsConfig{Resolver: ts.resolver(&calls, func(int) bool { return true })},
	})
	for _, i := range []int{0, 1} {
		verifyOK(t, v, ts.token(i, "u"))
	}
	if err := v.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if a, b, c := ts.fetches[0].Load(), ts.fetches[1].Load(), ts.fetches[2].Load(); a != 2 || b != 2 || c != 0 {
		t.Fatalf("fetches after Refresh: %d, %d, %d; want 2, 2 (the tenants held) and 0", a, b, c)
	}
}
