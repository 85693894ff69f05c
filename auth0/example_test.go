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

	err = p.Validate(&provider.Claims{Audience: []string{"https://api.example.com", "https://login.example.com/userinfo"}})
	fmt.Println(err)
	err = p.Validate(&provider.Claims{Audience: []string{"https://billing.example.com"}})
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
	fmt.Println(auth0.MachineToMachine(&provider.Claims{GrantType: "client-credentials"}))
	fmt.Println(auth0.MachineToMachine(&provider.Claims{}))
	// Output:
	// true
	// false
}
