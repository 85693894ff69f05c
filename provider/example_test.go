package provider_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/issuertest"
	"github.com/jwtguard/jwtguard/provider"
)

// Verify a token of an OpenID Connect issuer. Here the issuer is an
// issuertest.Issuer on loopback; in production it is your identity
// provider's URL, and NewOIDC discovers its keys the same way.
func ExampleVerifier_Verify() {
	idp := issuertest.New()
	defer idp.Close()

	p, err := provider.NewOIDC(context.Background(), provider.OIDCConfig{
		Issuer:    idp.URL,
		Audiences: []string{"https://api.example.com"},
	})
	if err != nil {
		log.Fatal(err)
	}
	v, err := provider.NewVerifier(provider.VerifierConfig{Providers: []provider.Provider{p}})
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	if err := v.Load(context.Background()); err != nil { // readiness: keys in hand
		log.Fatal(err)
	}

	token := idp.Token("alice", "https://api.example.com", jwt.MapClaims{
		"scope":       "read:orders write:orders",
		"groups":      []string{"staff"},
		"employee_id": 1042,
	})
	claims, err := v.Verify(context.Background(), token)
	if err != nil {
		log.Fatal(err)
	}
	var extra struct {
		EmployeeID int `json:"employee_id"`
	}
	if err := claims.Decode(&extra); err != nil {
		log.Fatal(err)
	}
	fmt.Println("subject:", claims.Subject())
	fmt.Println("scopes:", claims.Scopes())
	fmt.Println("staff:", claims.HasGroup("staff"))
	fmt.Println("employee:", extra.EmployeeID)

	_, err = v.Verify(context.Background(), idp.Token("alice", "https://other.example.com", nil))
	fmt.Println(errors.Is(err, provider.ErrInvalidToken), provider.Reason(err))
	// Output:
	// subject: alice
	// scopes: [read:orders write:orders]
	// staff: true
	// employee: 1042
	// true audience
}

// Reason turns any verification error into a short, fixed code for metrics
// and logs; errors.Is tells the category, which decides the HTTP status.
func ExampleReason() {
	errs := []error{
		&provider.ExpiredError{},
		fmt.Errorf("%w: not staff", provider.ErrInsufficientScope), // a rule of your own
		provider.ErrNoToken,
		errors.New("something else"),
	}
	for _, err := range errs {
		fmt.Printf("%-18s invalid token: %v\n", provider.Reason(err), errors.Is(err, provider.ErrInvalidToken))
	}
	// Output:
	// expired            invalid token: true
	// insufficient_scope invalid token: false
	// no_token           invalid token: false
	// error              invalid token: false
}
