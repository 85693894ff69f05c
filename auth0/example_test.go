package auth0_test

import (
	"fmt"
	"log"

	"github.com/jwtguard/jwtguard/auth0"
	"github.com/jwtguard/jwtguard/provider"
)

// A tenant's issuer carries the trailing slash Auth0 writes in iss; a
// custom domain works the same way.
func ExampleNew() {
	p, err := auth0.New(auth0.Config{
		Domain:    "https://login.example.com/",
		Audiences: []string{"https://api.example.com"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Issuer())
	fmt.Println(p.JWKSURL())

	ours, _ := provider.ParseClaims([]byte(`{"aud":["https://api.example.com","https://login.example.com/userinfo"]}`))
	fmt.Println(p.Validate(ours))
	other, _ := provider.ParseClaims([]byte(`{"aud":"https://billing.example.com"}`))
	err = p.Validate(other)
	fmt.Println(provider.Reason(err))
	// Output:
	// https://login.example.com/
	// https://login.example.com/.well-known/jwks.json
	// <nil>
	// audience
}

func ExampleDomain() {
	for _, s := range []string{"tenant.eu.auth0.com", "https://Tenant.EU.auth0.com/", "http://tenant.eu.auth0.com"} {
		d, err := auth0.Domain(s)
		fmt.Printf("%q %v\n", d, err != nil)
	}
	// Output:
	// "tenant.eu.auth0.com" false
	// "tenant.eu.auth0.com" false
	// "" true
}

func ExampleMachineToMachine() {
	m2m, _ := provider.ParseClaims([]byte(`{"gty":"client-credentials"}`))
	fmt.Println(auth0.MachineToMachine(m2m))
	user, _ := provider.ParseClaims([]byte(`{}`))
	fmt.Println(auth0.MachineToMachine(user))
	// Output:
	// true
	// false
}
