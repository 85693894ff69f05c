package issuertest_test

import (
	"context"
	"fmt"
	"log"
	"slices"
	"strings"

	"github.com/jwtguard/jwtguard/auth0"
	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/cognito"
	"github.com/jwtguard/jwtguard/issuertest"
	"github.com/jwtguard/jwtguard/provider"
)

// A Cognito user pool in a test: the pool's keys, issuer and token shapes,
// verified by the cognito provider as the real pool's would be.
func ExampleNewCognito() {
	const poolID = "eu-west-1_Example1"
	iss := issuertest.NewCognito(poolID)
	defer iss.Close()
	pool, err := cognito.New(cognito.Config{
		Endpoint:   iss.Server.URL, // instead of the region
		UserPoolID: poolID,
		ClientIDs:  []string{"app"},
		TokenUse:   cognito.AccessToken,
	})
	if err != nil {
		log.Fatal(err)
	}
	v, err := provider.NewVerifier(provider.VerifierConfig{Providers: []provider.Provider{pool}})
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	c, err := v.Verify(context.Background(), iss.CognitoToken("access", "app", "alice", "admin"))
	if err != nil {
		log.Fatal(err)
	}
	username, _ := c.LookupString("username")
	fmt.Println(c.Issuer() == iss.Server.URL+"/"+poolID, username, c.Groups())
	_, err = v.Verify(context.Background(), iss.CognitoToken("id", "app", "alice"))
	fmt.Println(provider.Reason(err))
	// Output:
	// true alice [admin]
	// token_use
}

// An Auth0 tenant in a test: https, the issuer with its trailing slash,
// RBAC permissions.
func ExampleNewAuth0() {
	iss := issuertest.NewAuth0()
	defer iss.Close()
	tenant, err := auth0.New(auth0.Config{Domain: iss.Domain(), Audiences: []string{"https://api.example.com"}})
	if err != nil {
		log.Fatal(err)
	}
	v, err := provider.NewVerifier(provider.VerifierConfig{
		Providers: []provider.Provider{tenant},
		Cache:     cache.Config{HTTPClient: iss.Server.Client()}, // trusts the test certificate
	})
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	c, err := v.Verify(context.Background(), iss.Auth0Token("auth0|alice", "https://api.example.com", "read:orders"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.HasSuffix(c.Issuer(), "/"), slices.Contains(auth0.Permissions(c), "read:orders"), auth0.MachineToMachine(c))
	// Output:
	// true true false
}
