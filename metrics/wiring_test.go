package metrics_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/m2m"
	"github.com/jwtguard/jwtguard/metrics"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/provider"
)

// One Collector is the Metrics of every config; a nil *Collector
// (metrics turned off) counts nothing and is no error.
func TestMetricsWiring(t *testing.T) {
	m, err := metrics.New(metrics.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var off *metrics.Collector
	const tokenURL = "https://tenant.example.auth0.com/oauth/token"
	p, err := provider.NewOIDC(context.Background(), provider.OIDCConfig{Issuer: "https://issuer.example", JWKSURL: "https://issuer.example/jwks", Audiences: []string{"api"}})
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*metrics.Collector{"collector": m, "nil collector": off} {
		ts, err := m2m.New(m2m.Config{TokenURL: tokenURL, ClientID: "c", ClientSecret: "s", Metrics: c})
		if err != nil {
			t.Fatalf("%s: m2m.New: %v", name, err)
		}
		ts.Close()
		if _, err := m2m.NewProxy(m2m.ProxyConfig{TokenURL: tokenURL, Secret: []byte(strings.Repeat("s", 32)), Metrics: c}); err != nil {
			t.Fatalf("%s: m2m.NewProxy: %v", name, err)
		}
		v, err := provider.NewVerifier(provider.VerifierConfig{Providers: []provider.Provider{p}, Metrics: c})
		if err != nil {
			t.Fatalf("%s: provider.NewVerifier: %v", name, err)
		}
		if _, err := middleware.New(middleware.Config{Verifier: v, DPoP: middleware.DPoPConfig{Mode: middleware.DPoPAllowed, Metrics: c}}); err != nil {
			t.Fatalf("%s: middleware.New: %v", name, err)
		}
		v.Close()
		// A key cache's own Metrics, instead of the Verifier's.
		v, err = provider.NewVerifier(provider.VerifierConfig{Providers: []provider.Provider{p}, Cache: cache.Config{Metrics: c}})
		if err != nil {
			t.Fatalf("%s: provider.NewVerifier with cache.Config.Metrics: %v", name, err)
		}
		v.Close()
	}
}
