package redisstore_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"log"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/cache/redisstore"
	"github.com/jwtguard/jwtguard/issuertest"
	"github.com/jwtguard/jwtguard/provider"
)

// Two replicas, each with its own Redis client, Store and Verifier, share
// one fetch.
func Example() {
	mr, err := miniredis.Run() // stands in for your Redis
	if err != nil {
		log.Fatal(err)
	}
	defer mr.Close()
	iss := issuertest.New() // stands in for your identity provider
	defer iss.Close()
	secret := make([]byte, 32) // at least 32 bytes; in production: from your secret store
	_, _ = rand.Read(secret)   // crypto/rand.Read never fails

	replica := func() (v *provider.Verifier, stop func()) {
		client := redis.NewClient(&redis.Options{Addr: mr.Addr(), ContextTimeoutEnabled: true})
		store, err := redisstore.New(redisstore.Config{
			Client: client,
			Secret: secret, // authenticates what the fleet shares: 32+ random bytes, the same on every replica
			// Timeout bounds every Redis call; the default, 500 ms, suits a
			// Redis next to you (this example also runs on busy CI machines).
			Timeout: 5 * time.Second,
		})
		if err != nil {
			log.Fatal(err)
		}
		p, err := provider.NewOIDC(context.Background(), provider.OIDCConfig{Issuer: iss.URL, Audiences: []string{"api"}})
		if err != nil {
			log.Fatal(err)
		}
		v, err = provider.NewVerifier(provider.VerifierConfig{
			Providers: []provider.Provider{p},
			Cache:     cache.Config{Store: store},
		})
		if err != nil {
			log.Fatal(err)
		}
		// The Verifier first, then the Store, then the Redis client.
		return v, func() { v.Close(); store.Close(); client.Close() }
	}
	a, stopA := replica()
	defer stopA()
	b, stopB := replica()
	defer stopB()

	ctx := context.Background()
	if err := a.Load(ctx); err != nil {
		log.Fatal(err)
	}
	if err := b.Load(ctx); err != nil { // takes A's document from Redis
		log.Fatal(err)
	}
	claims, err := b.Verify(ctx, iss.Token("alice", "api", nil))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("verified on B:", claims.Subject())
	fmt.Println("fetches from the provider:", iss.Fetches())
	// Output:
	// verified on B: alice
	// fetches from the provider: 1
}
