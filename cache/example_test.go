package cache_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/issuertest"
	"github.com/jwtguard/jwtguard/provider"
)

// The Verifier's key caches, configured once for every provider, with
// other settings for the issuer that rotates its keys often. The keys are
// loaded before serving; a key published later is fetched by the first
// token that names it, and no request fails for the rotation.
func Example() {
	steady, rotating := issuertest.New(), issuertest.New() // local identity providers
	defer steady.Close()
	defer rotating.Close()
	var providers []provider.Provider
	for _, idp := range []*issuertest.Issuer{steady, rotating} {
		p, err := provider.NewOIDC(context.Background(), provider.OIDCConfig{Issuer: idp.URL, Audiences: []string{"api"}})
		if err != nil {
			log.Fatal(err)
		}
		providers = append(providers, p)
	}

	v, err := provider.NewVerifier(provider.VerifierConfig{
		Providers: providers,
		// Every provider's keys: renewed in the background every ~24 minutes.
		Cache: cache.Config{Strategy: cache.Time, Interval: 30 * time.Minute},
		// This issuer's: renewed every ~4 minutes or 800 verifications,
		// and not trusted for more than an hour past their expiry.
		CacheByIssuer: map[string]cache.Config{
			rotating.URL: {Interval: 5 * time.Minute, MaxStale: time.Hour},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	if err := v.Load(context.Background()); err != nil { // readiness: keys in hand
		log.Fatal(err)
	}
	fmt.Println("fetches:", steady.Fetches(), rotating.Fetches())

	kid := rotating.AddKey("RS256") // a rotation the cache has not seen
	claims, err := v.Verify(context.Background(), rotating.Sign(kid, rotating.Claims("alice", "api", time.Hour, nil)))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("verified:", claims.Subject())
	fmt.Println("fetches:", steady.Fetches(), rotating.Fetches())
	// Output:
	// fetches: 1 1
	// verified: alice
	// fetches: 1 2
}
