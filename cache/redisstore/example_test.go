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
)

// Two replicas, each with its own Redis client and Store, share one fetch.
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

	replica := func() (c *cache.Cache, stop func()) {
		client := redis.NewClient(&redis.Options{Addr: mr.Addr(), ContextTimeoutEnabled: true})
		// Timeout bounds every Redis call; the default, 500 ms, suits a
		// Redis next to you (this example also runs on busy CI machines).
		store, err := redisstore.New(redisstore.Config{
			Client: client,
			Secret: secret, // authenticates what the fleet shares: 32+ random bytes, the same on every replica
			// Timeout bounds every Redis call (default 500 ms).
			Timeout: 5 * time.Second,
		})
		if err != nil {
			log.Fatal(err)
		}
		c, err = cache.New(cache.Config{URL: iss.JWKSURL(), Issuer: iss.URL, Store: store})
		if err != nil {
			log.Fatal(err)
		}
		return c, func() { c.Close(); store.Close(); client.Close() }
	}
	a, stopA := replica()
	defer stopA()
	b, stopB := replica()
	defer stopB()

	ctx := context.Background()
	if err := a.Load(ctx); err != nil {
		log.Fatal(err)
	}
	if err := b.Load(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println("keys on B:", len(b.Keys()))
	fmt.Println("fetches from the provider:", iss.Fetches())
	// Output:
	// keys on B: 1
	// fetches from the provider: 1
}
