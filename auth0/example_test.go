package auth0_test

import (
	"fmt"
	"log"

	"github.com/jwtguard/jwtguard/auth0"
	"github.com/jwtguard/jwtguard/middleware"
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

// A rule for a route's guard, mw.Require:
//
//	mux.Handle("POST /orders", mw.Handler(mw.Require(auth0.RequirePermissions("write:orders"))(createOrder)))
//
// Its error is a 403 insufficient_scope.
func ExampleRequirePermissions() {
	rule := auth0.RequirePermissions("read:orders", "write:orders")
	c, _ := provider.ParseClaims([]byte(`{"permissions":["read:orders"]}`))
	fmt.Println(auth0.Permissions(c))
	err := rule(c)
	fmt.Println(middleware.Status(err), err)
	// Output:
	// [read:orders]
	// 403 provider: insufficient scope: want all of ["read:orders" "write:orders"]
}
