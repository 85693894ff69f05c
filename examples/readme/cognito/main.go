// Command cognito is the README's Cognito program: an API that accepts
// access tokens of one Amazon Cognito user pool. README.md shows it from
// "package main" on, and a test keeps the two the same.
//
//	COGNITO_REGION=eu-west-1 COGNITO_USER_POOL_ID=eu-west-1_AbCdEf123 \
//	COGNITO_CLIENT_ID=1example23456789 go run ./examples/readme/cognito
package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/jwtguard/jwtguard/cognito"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/provider"
)

func main() {
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

func run() error {
	pool, err := cognito.New(cognito.Config{
		Region:     os.Getenv("COGNITO_REGION"),       // eu-west-1
		UserPoolID: os.Getenv("COGNITO_USER_POOL_ID"), // eu-west-1_AbCdEf123
		ClientIDs:  []string{os.Getenv("COGNITO_CLIENT_ID")},
		TokenUse:   cognito.AccessToken, // or cognito.IDToken
	})
	if err != nil {
		return err
	}
	v, err := provider.NewVerifier(provider.VerifierConfig{Providers: []provider.Provider{pool}})
	if err != nil {
		return err
	}
	defer v.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := v.Load(ctx); err != nil { // the pool's keys, before serving
		return err
	}
	auth, err := middleware.New(middleware.Config{Verifier: v})
	if err != nil {
		return err
	}

	mux := http.NewServeMux()
	mux.Handle("GET /me", auth.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := middleware.FromContext(r.Context())
		fmt.Fprintf(w, "hello %s, groups %q\n", c.Subject(), c.Groups())
	})))
	mux.Handle("GET /admin", auth.Handler(auth.RequireGroups("admin")(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "hello, admin") }))))
	srv := &http.Server{Addr: "127.0.0.1:8080", Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	return srv.ListenAndServe()
}
