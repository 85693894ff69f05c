package keycache_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/MicahParks/jwkset"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/keycache"
	"github.com/jwtguard/jwtguard/internal/testissuer"
)

// benchIssuer publishes n keys and returns the kid of the last one (the
// worst case for a linear scan).
func benchIssuer(b *testing.B, n int) (*testissuer.Issuer, string) {
	iss := testissuer.New()
	b.Cleanup(iss.Close)
	kid := iss.KID()
	for range n - 1 {
		kid = iss.AddKey("ES256")
	}
	return iss, kid
}

// BenchmarkKeyLookup is a warm hit under the default strategy (time and
// usage), next to jwkset's MemoryJWKSet (a linear scan under a mutex) on
// the same keys.
func BenchmarkKeyLookup(b *testing.B) {
	for _, n := range []int{2, 8} {
		iss, kid := benchIssuer(b, n)
		b.Run(fmt.Sprintf("cache/keys=%d", n), func(b *testing.B) {
			c, err := keycache.New(keycache.Source{URL: iss.JWKSURL()}, cache.Config{Usages: 1 << 62})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			ctx := context.Background()
			if _, err := c.Key(ctx, kid); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Key(ctx, kid); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("jwkset-memory/keys=%d", n), func(b *testing.B) {
			st := memoryStorage(b, iss)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := st.KeyRead(ctx, kid); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkKeyLookupParallel is the same hit from every P at once: no
// lock, so the time per look-up should not grow with parallelism.
func BenchmarkKeyLookupParallel(b *testing.B) {
	iss, kid := benchIssuer(b, 2)
	for _, strategy := range []cache.Strategy{cache.Both, cache.Time} {
		b.Run("cache/"+string(strategy), func(b *testing.B) {
			benchParallel(b, iss, kid, strategy)
		})
	}
	b.Run("jwkset-memory", func(b *testing.B) {
		st := memoryStorage(b, iss)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			ctx := context.Background()
			for pb.Next() {
				if _, err := st.KeyRead(ctx, kid); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

func benchParallel(b *testing.B, iss *testissuer.Issuer, kid string, strategy cache.Strategy) {
	c, err := keycache.New(keycache.Source{URL: iss.JWKSURL()}, cache.Config{Strategy: strategy, Usages: 1 << 62})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Key(context.Background(), kid); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			if _, err := c.Key(ctx, kid); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func memoryStorage(b *testing.B, iss *testissuer.Issuer) jwkset.Storage {
	var set jwkset.JWKSMarshal
	if err := json.Unmarshal(iss.JWKS(), &set); err != nil {
		b.Fatal(err)
	}
	st, err := set.ToStorage()
	if err != nil {
		b.Fatal(err)
	}
	return st
}
