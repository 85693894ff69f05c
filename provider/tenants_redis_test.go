package provider_test

import (
	"context"
	"crypto/rand"
	"net/http"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/cache/redisstore"
	"github.com/jwtguard/jwtguard/provider"
)

// Tenants are shared through Redis like fixed issuers: two replicas fetch
// a tenant's keys once between them, and a tenant evicted from a replica
// comes back from Redis without a provider fetch. REDIS_ADDR, if set,
// names the real Redis to use (CI); else miniredis.
func TestTenantsSharedThroughRedis(t *testing.T) {
	addr := os.Getenv("REDIS_ADDR")
	if addr == "" {
		addr = miniredis.RunT(t).Addr()
	}
	secret := make([]byte, 32) // redisstore.Config.Secret: at least 32 bytes
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	ts := newTenantServer(t, 8)
	prefix := "jwtguard:test:tenants:" + rand.Text() + ":"
	replica := func() *provider.Verifier {
		client := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
		t.Cleanup(func() { client.Close() })
		store, err := redisstore.New(redisstore.Config{Client: client, Secret: secret, Prefix: prefix, Timeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		var calls atomic.Int64
		return newTenantVerifier(t, provider.VerifierConfig{
			Tenants: provider.TenantsConfig{Resolver: ts.resolver(&calls, func(int) bool { return true }), MaxTenants: 2},
			Cache: cache.Config{
				Store:      store,
				HTTPClient: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}},
			},
		})
	}
	a, b := replica(), replica()
	ctx := context.Background()
	for i := range 4 {
		for _, v := range []*provider.Verifier{a, b} {
			if _, err := v.Verify(ctx, ts.token(i, "u")); err != nil {
				t.Fatalf("tenant %d: %v", i, err)
			}
		}
		if f := ts.fetches[i].Load(); f != 1 {
			t.Fatalf("tenant %d fetched %d times by two replicas, want once", i, f)
		}
	}
	// Tenants 0 and 1 were evicted (MaxTenants 2), and come back.
	for i := range 2 {
		if _, err := a.Verify(ctx, ts.token(i, "again")); err != nil {
			t.Fatalf("evicted tenant %d: %v", i, err)
		}
		if f := ts.fetches[i].Load(); f != 1 {
			t.Fatalf("evicted tenant %d fetched again from the provider (%d fetches), want it from Redis", i, f)
		}
	}
	a.Forget(ts.issuer(3))
	if _, err := a.Verify(ctx, ts.token(3, "again")); err != nil || ts.fetches[3].Load() != 1 {
		t.Fatalf("forgotten tenant: %v, %d fetches; want it back from Redis", err, ts.fetches[3].Load())
	}
}
