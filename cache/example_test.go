package cache_test

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/issuertest"
)

var jsonUnmarshal = json.Unmarshal

// A cache for one JWKS, loaded before serving and used as keyfunc's
// storage.
func Example() {
	iss := issuertest.New() // a local identity provider
	defer iss.Close()

	c, err := cache.New(cache.Config{
		URL:      iss.JWKSURL(),
		Issuer:   iss.URL,
		Interval: 10 * time.Minute, // refreshed in the background after 8
	})
	if err != nil {
		panic(err)
	}
	defer c.Close()

	// Readiness: fail fast if the provider cannot be reached.
	if err := c.Load(context.Background()); err != nil {
		panic(err)
	}
	// Without a provider.Verifier, golang-jwt's parser can use the keys.
	token, err := jwt.Parse(iss.Token("alice", "api", nil), c.Keyfunc(), jwt.WithValidMethods([]string{"RS256"}))
	if err != nil {
		panic(err)
	}
	sub, _ := token.Claims.GetSubject()
	fmt.Println("verified:", sub)

	fmt.Println("keys:", len(c.Keys()), "fetches:", iss.Fetches())
	// Output:
	// verified: alice
	// keys: 1 fetches: 1
}
