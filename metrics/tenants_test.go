package metrics_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/metrics"
	"github.com/jwtguard/jwtguard/provider"
)

// With IssuerLabel, the tenants a Resolver accepts share one issuer label
// value, the fixed issuer keeps its own, and refused issuers stay
// "unknown": the series do not grow with the tenants.
func TestIssuerLabelCollapsesTenants(t *testing.T) {
	const audience = "api://tenants"
	fixed := testissuer.NewEmpty()
	defer fixed.Close()
	fixedKID := fixed.AddKey("EdDSA")
	tenants := make(map[string]*testissuer.Issuer)
	kids := map[string]string{}
	for range 4 {
		iss := testissuer.NewEmpty()
		defer iss.Close()
		kids[iss.Issuer()] = iss.AddKey("EdDSA")
		tenants[iss.Issuer()] = iss
	}

	reg := prometheus.NewPedanticRegistry()
	m, err := metrics.New(metrics.Config{Registerer: reg, IssuerLabel: func(iss string) string {
		if iss == fixed.Issuer() {
			return iss
		}
		return "tenant"
	}})
	if err != nil {
		t.Fatal(err)
	}
	oidc := func(iss *testissuer.Issuer) provider.OIDCConfig {
		return provider.OIDCConfig{Issuer: iss.Issuer(), JWKSURL: iss.JWKSURL(), Audiences: []string{audience}, Algorithms: []string{"EdDSA"}}
	}
	p, err := provider.NewOIDC(context.Background(), oidc(fixed))
	if err != nil {
		t.Fatal(err)
	}
	v, err := provider.NewVerifier(provider.VerifierConfig{
		Providers: []provider.Provider{p},
		Tenants: provider.TenantsConfig{Resolver: func(ctx context.Context, iss string) (provider.Provider, error) {
			if tenants[iss] == nil {
				return nil, nil
			}
			return provider.NewOIDC(ctx, oidc(tenants[iss]))
		}},
		Metrics: m,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	verify := func(tok string, ok bool) {
		t.Helper()
		if _, err := v.Verify(context.Background(), tok); (err == nil) != ok {
			t.Fatalf("Verify: %v, want accepted %v", err, ok)
		}
	}
	verify(fixed.Sign(fixedKID, fixed.Claims("u", audience, time.Hour, nil)), true)
	for _, iss := range tenants {
		claims := iss.Claims("u", audience, time.Hour, nil)
		verify(iss.Sign(kids[iss.Issuer()], claims), true)
		claims["iss"] = strings.Replace(iss.Issuer(), "127.0.0.1", "localhost", 1) // refused
		verify(iss.Sign(kids[iss.Issuer()], claims), false)
	}

	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	tenantFetches := 0.0 // the tenants' key caches report to the Verifier's Metrics
	for _, f := range families {
		if f.GetName() == "jwtguard_jwks_refresh_total" {
			for _, metric := range f.GetMetric() {
				for _, lp := range metric.GetLabel() {
					if lp.GetName() == "issuer" && lp.GetValue() == "tenant" {
						tenantFetches += metric.GetCounter().GetValue()
					}
				}
			}
		}
		for _, metric := range f.GetMetric() {
			for _, lp := range metric.GetLabel() {
				if lp.GetName() == "issuer" {
					seen[lp.GetValue()] = true
				}
			}
		}
	}
	if tenantFetches != float64(len(tenants)) {
		t.Errorf("jwks_refresh_total{issuer=\"tenant\"} = %v, want %d: one fetch per tenant, counted", tenantFetches, len(tenants))
	}
	want := map[string]bool{fixed.Issuer(): true, "tenant": true, "unknown": true}
	if len(seen) != len(want) {
		t.Fatalf("issuer label values %v, want %v", seen, want)
	}
	for l := range want {
		if !seen[l] {
			t.Fatalf("issuer label values %v, want %v", seen, want)
		}
	}
}
