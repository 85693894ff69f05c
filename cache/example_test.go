package cache_test

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/MicahParks/keyfunc/v3"

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
	kf, err := keyfunc.New(keyfunc.Options{Storage: c.Storage()})
	if err != nil {
		panic(err)
	}
	_ = kf.Keyfunc // for jwt.Parse

	fmt.Println("keys:", len(c.Keys()), "fetches:", iss.Fetches())
	// Output: keys: 1 fetches: 1
}
