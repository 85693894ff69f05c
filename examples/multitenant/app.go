package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/jwtguard/jwtguard/metrics"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/provider"
)

// Tenant is a customer of the service, with its own identity provider.
type Tenant struct {
	Name     string
	Audience string // the aud its tokens must carry
}

// tenants is the service's table of tenants by issuer URL: in memory
// here, a database table in a real service.
type tenants struct {
	mu       sync.RWMutex
	byIssuer map[string]Tenant
}

func newTenants() *tenants {
	return &tenants{byIssuer: make(map[string]Tenant)}
}

// Lookup returns the tenant whose identity provider is issuer.
func (t *tenants) Lookup(issuer string) (Tenant, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	tn, ok := t.byIssuer[issuer]
	return tn, ok
}

// Add adds (or replaces) the tenant of issuer.
func (t *tenants) Add(issuer string, tn Tenant) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.byIssuer[issuer] = tn
}

// app is the API: its handler, and the Verifier to close when it stops.
type app struct {
	http.Handler
	verifier *provider.Verifier
}

// newApp builds the API over table. Close it to stop the key caches.
func newApp(table *tenants) (*app, error) {
	// Metrics on a registry of our own, served at /metrics. Each issuer
	// label value adds up to ~110 series: with one per tenant, 10 000
	// tenants would make a million. IssuerLabel collapses them into one
	// value (or return a few groups of your own, e.g. the tenant's plan).
	// A token of an issuer that is not a tenant is counted as "unknown"
	// either way: its iss never becomes a label.
	reg := prometheus.NewRegistry()
	m, err := metrics.New(metrics.Config{
		Registerer:  reg,
		IssuerLabel: func(string) string { return "tenant" },
	})
	if err != nil {
		return nil, err
	}

	v, err := provider.NewVerifier(provider.VerifierConfig{
		Tenants: provider.TenantsConfig{
			// The Resolver asks only our table. A real one would query
			// the database with ctx, and return its error when it is
			// down: the token is then answered 503, not refused.
			Resolver: provider.OIDCResolver(func(ctx context.Context, issuer string) (provider.OIDCConfig, bool, error) {
				t, ok := table.Lookup(issuer)
				if !ok {
					return provider.OIDCConfig{}, false, nil
				}
				// No JWKSURL: discovered from the issuer's
				// /.well-known/openid-configuration.
				return provider.OIDCConfig{Audiences: []string{t.Audience}}, true, nil
			}),
			// The defaults, spelled out: at most 10 000 tenants' keys are
			// held (the least recently used go first), and a tenant with
			// no token for an hour is let go (its next token fetches its
			// keys again).
			MaxTenants:  10_000,
			IdleTimeout: time.Hour,
		},
		Metrics: m, // verifications and key refreshes
	})
	if err != nil {
		return nil, err
	}
	mw, err := middleware.New(middleware.Config{Verifier: v, Realm: "saas"})
	if err != nil {
		v.Close()
		return nil, err
	}

	mux := http.NewServeMux()
	mux.Handle("GET /api/whoami", mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims := middleware.FromContext(r.Context())
		// The verified iss names the tenant: the Verifier accepted the
		// token only because our table holds its issuer.
		t, ok := table.Lookup(claims.Issuer())
		if !ok { // removed from the table since
			http.Error(w, "no such tenant", http.StatusForbidden)
			return
		}
		fmt.Fprintf(w, "tenant %s user %s\n", t.Name, claims.Subject())
	})))
	// Onboarding. In production this route needs its own authorization
	// (an operator's token, a private listener): whoever can add a
	// tenant can make the API trust an issuer of their own.
	mux.HandleFunc("POST /admin/tenants", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		issuer, name, aud := r.PostForm.Get("issuer"), r.PostForm.Get("name"), r.PostForm.Get("audience")
		if issuer == "" || name == "" || aud == "" {
			http.Error(w, "issuer, name and audience are required", http.StatusBadRequest)
			return
		}
		table.Add(issuer, Tenant{Name: name, Audience: aud})
		// The Verifier holds "not a tenant" answers for a minute
		// (TenantsConfig.RefusedTTL), and a tenant's config until it is
		// evicted: Forget, after Add, drops both, so the tenant's tokens
		// verify now, with its new audience.
		v.Forget(issuer)
		w.WriteHeader(http.StatusCreated)
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return &app{Handler: mux, verifier: v}, nil
}

// Close stops every tenant's key cache.
func (a *app) Close() error { return a.verifier.Close() }
