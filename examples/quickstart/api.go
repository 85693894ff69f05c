package main

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/jwtguard/jwtguard/metrics"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/provider"
)

// audience is this API's identifier: tokens must carry it in aud, so that
// a token the issuer minted for another API is refused here.
const audience = "quickstart-api"

// reportsScope is the scope the /api/reports route requires.
const reportsScope = "reports:read"

// newVerifier returns a Verifier that accepts tokens from issuerURL for
// this API, with the issuer's keys already loaded, reporting to m.
func newVerifier(ctx context.Context, issuerURL string, m *metrics.Collector) (*provider.Verifier, error) {
	// With no JWKSURL, NewOIDC discovers it from the issuer's
	// /.well-known/openid-configuration. For Cognito or Auth0, use
	// cognito.New or auth0.New instead: they know where the keys are.
	oidc, err := provider.NewOIDC(ctx, provider.OIDCConfig{
		Issuer:    issuerURL,
		Audiences: []string{audience},
	})
	if err != nil {
		return nil, err
	}
	v, err := provider.NewVerifier(provider.VerifierConfig{
		Providers: []provider.Provider{oidc},
		// Allow a little clock skew between the issuer and this server.
		Leeway: 30 * time.Second,
		// Verification outcomes, the key cache's refreshes and the
		// token cache's hits go to the metrics. The key cache is left at
		// its defaults: keys are cached for 20 minutes or 1000 uses,
		// refreshed in the background before they expire, and a token
		// signed with a key the cache does not know yet triggers one
		// refresh (at most one per 30 seconds).
		Metrics: m,
	})
	if err != nil {
		return nil, err
	}
	// Fetch the keys now: a wrong issuer URL fails at startup, not on the
	// first request, and the first request does not wait for the fetch.
	if err := v.Load(ctx); err != nil {
		v.Close()
		return nil, err
	}
	return v, nil
}

// newMux returns the API's routes. Routes wrapped in mw.Handler need a
// valid token; /healthz and /metrics (what reg gathers) do not. In
// production, serve /metrics on an internal port.
func newMux(mw *middleware.Middleware, reg prometheus.Gatherer) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]string{"status": "ok"})
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.Handle("GET /api/me", mw.Handler(http.HandlerFunc(me)))
	// Guards go after mw.Handler, which puts the claims in the context:
	// a valid token without the scope gets 403 insufficient_scope.
	mux.Handle("GET /api/reports", mw.Handler(mw.RequireScopes(reportsScope)(http.HandlerFunc(reports))))
	return mux
}

// identity is what /api/me answers: who the token says the caller is.
type identity struct {
	Subject   string    `json:"subject"`
	Name      string    `json:"name,omitempty"`
	Issuer    string    `json:"issuer"`
	Audience  []string  `json:"audience"`
	Scopes    []string  `json:"scopes"`
	ExpiresAt time.Time `json:"expires_at"`
}

// me echoes the verified claims.
func me(w http.ResponseWriter, r *http.Request) {
	// The middleware has verified the token: the claims are in the
	// request's context.
	c := middleware.FromContext(r.Context())
	id := identity{
		Subject:   c.Subject(),
		Issuer:    c.Issuer(),
		Audience:  c.Audience(),
		Scopes:    c.Scopes(),
		ExpiresAt: c.ExpiresAt().UTC(),
	}
	// Claims the library does not know are read with Decode.
	var extra struct {
		Name string `json:"name"`
	}
	if err := c.Decode(&extra); err == nil {
		id.Name = extra.Name
	}
	writeJSON(w, id)
}

// reports is a route only tokens with the reports:read scope reach.
func reports(w http.ResponseWriter, r *http.Request) {
	c := middleware.FromContext(r.Context())
	writeJSON(w, map[string]any{
		"subject": c.Subject(),
		"reports": []string{"2024-q1.pdf", "2024-q2.pdf"},
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
