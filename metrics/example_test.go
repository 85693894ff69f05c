package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/jwtguard/jwtguard/internal/promtest"
	"github.com/jwtguard/jwtguard/metrics"
	"github.com/jwtguard/jwtguard/provider"
)

// The whole wiring: a registry of your own, the collector on it, one field
// in each config, and promhttp to serve it.
func Example() {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m, err := metrics.New(metrics.Config{Registerer: reg})
	if err != nil {
		log.Fatal(err)
	}
	p, err := provider.NewOIDC(context.Background(), provider.OIDCConfig{
		Issuer:    "https://issuer.example",
		JWKSURL:   "https://issuer.example/.well-known/jwks.json",
		Audiences: []string{"api"},
	})
	if err != nil {
		log.Fatal(err)
	}
	v, err := provider.NewVerifier(provider.VerifierConfig{
		Providers: []provider.Provider{p},
		Metrics:   m,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()

	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))

	// A token that is not even a JWT: counted under issuer="unknown".
	_, err = v.Verify(context.Background(), "not-a-token")
	fmt.Println(provider.Reason(err))
	promtest.PrintCounters(reg, "jwtguard_jwt_verifications_total")
	// Output:
	// malformed
	// jwtguard_jwt_verifications_total{issuer="unknown",reason="malformed",result="failure"} 1
}

// A second New on a registry that already holds the collector returns
// prometheus.AlreadyRegisteredError; its ExistingCollector is the first
// Collector, ready to share.
func ExampleNew_alreadyRegistered() {
	reg := prometheus.NewRegistry()
	first, err := metrics.New(metrics.Config{Registerer: reg})
	if err != nil {
		log.Fatal(err)
	}

	m, err := metrics.New(metrics.Config{Registerer: reg})
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		m = are.ExistingCollector.(*metrics.Collector)
	}
	fmt.Println(m == first)
	// Output: true
}
