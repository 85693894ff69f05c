// Command auth0 is the README's Auth0 program: an API that accepts access
// tokens of one Auth0 tenant for one API, checking RBAC permissions.
// README.md shows it from "package main" on, and a test keeps the two the
// same.
//
//	AUTH0_DOMAIN=example.eu.auth0.com AUTH0_AUDIENCE=https://api.example.com \
//	go run ./examples/readme/auth0
package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/jwtguard/jwtguard/auth0"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/provider"
)

func main() {
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

func run() error {
	tenant, err := auth0.New(auth0.Config{
		Domain:    os.Getenv("AUTH0_DOMAIN"), // example.eu.auth0.com, or a custom domain
		Audiences: []string{os.Getenv("AUTH0_AUDIENCE")},
	})
	if err != nil {
		return err
	}
	v, err := provider.NewVerifier(provider.VerifierConfig{Providers: []provider.Provider{tenant}})
	if err != nil {
		return err
	}
	defer v.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := v.Load(ctx); err != nil {
		return err
	}
	auth, err := middleware.New(middleware.Config{Verifier: v})
	if err != nil {
		return err
	}

	orders := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := middleware.FromContext(r.Context())
		fmt.Fprintf(w, "orders of %s (machine: %v)\n", c.Subject(), auth0.MachineToMachine(c))
	})
	mux := http.NewServeMux()
	mux.Handle("GET /orders", auth.Handler(auth.Require(auth0.RequirePermissions("read:orders"))(orders)))
	srv := &http.Server{Addr: "127.0.0.1:8080", Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	return srv.ListenAndServe()
}
