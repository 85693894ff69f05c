// Command oidc is the README's program for any OpenID Connect issuer: the
// JWKS URL is discovered, scopes are checked, and /metrics serves the
// Prometheus metrics. README.md shows it from "package main" on, and a
// test keeps the two the same.
//
//	OIDC_ISSUER=https://accounts.example.com OIDC_AUDIENCE=my-api go run ./examples/readme/oidc
package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/jwtguard/jwtguard/metrics"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/provider"
)

func main() {
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

func run() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	issuer, err := provider.NewOIDC(ctx, provider.OIDCConfig{ // discovery: /.well-known/openid-configuration
		Issuer:    os.Getenv("OIDC_ISSUER"),
		Audiences: []string{os.Getenv("OIDC_AUDIENCE")},
	})
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	m, err := metrics.New(metrics.Config{Registerer: reg})
	if err != nil {
		return err
	}
	v, err := provider.NewVerifier(provider.VerifierConfig{
		Providers: []provider.Provider{issuer},
		Metrics:   m, // verifications, key refreshes and token-cache hits
	})
	if err != nil {
		return err
	}
	defer v.Close()
	if err := v.Load(ctx); err != nil {
		return err
	}
	auth, err := middleware.New(middleware.Config{Verifier: v})
	if err != nil {
		return err
	}

	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{})) // keep it internal
	mux.Handle("POST /orders", auth.Handler(auth.RequireScopes("orders:write")(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "order placed for %s\n", middleware.FromContext(r.Context()).Subject())
		}))))
	srv := &http.Server{Addr: "127.0.0.1:8080", Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	return srv.ListenAndServe()
}
