package cognito_test

import (
	"fmt"
	"log"

	"github.com/jwtguard/jwtguard/cognito"
	"github.com/jwtguard/jwtguard/provider"
)

// A user pool's issuer and keys follow from its region and id; the
// Provider goes into a provider.Verifier with any others.
func ExampleNew() {
	p, err := cognito.New(cognito.Config{
		Region:         "eu-west-1",
		UserPoolID:     "eu-west-1_AbCdEf123",
		ClientIDs:      []string{"6bnvpjbe1h3m3vo4kvb4h0iq2"},
		TokenUse:       cognito.AccessToken,
		RequiredGroups: []string{"admin"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Issuer())
	fmt.Println(p.JWKSURL())

	// The rules, on claims the Verifier has already checked.
	access, _ := provider.ParseClaims([]byte(`{"token_use":"access","client_id":"6bnvpjbe1h3m3vo4kvb4h0iq2","cognito:groups":["users"]}`))
	fmt.Println(provider.Reason(p.Validate(access)))
	id, _ := provider.ParseClaims([]byte(`{"token_use":"id","aud":"6bnvpjbe1h3m3vo4kvb4h0iq2"}`))
	fmt.Println(provider.Reason(p.Validate(id)))
	// Output:
	// https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123
	// https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123/.well-known/jwks.json
	// insufficient_scope
	// token_use
}

// For cognito-local or another stand-in, Endpoint replaces the AWS host;
// its pool ids need not start with a region.
func ExampleConfig_endpoint() {
	p, err := cognito.New(cognito.Config{
		Endpoint:   "http://127.0.0.1:9229",
		UserPoolID: "local_4h5PF7sN",
		ClientIDs:  []string{"app"},
		TokenUse:   cognito.IDToken,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Issuer())
	// Output:
	// http://127.0.0.1:9229/local_4h5PF7sN
}

// Behind a Provider that takes both kinds (AnyToken), TokenUseOf tells a
// handler which one it was given.
func ExampleTokenUseOf() {
	access, _ := provider.ParseClaims([]byte(`{"token_use":"access","client_id":"app"}`))
	id, _ := provider.ParseClaims([]byte(`{"token_use":"id","aud":"app"}`))
	fmt.Println(cognito.TokenUseOf(access) == cognito.AccessToken, cognito.TokenUseOf(id) == cognito.IDToken)
	// Output:
	// true true
}
