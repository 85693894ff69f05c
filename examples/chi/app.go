package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/metrics"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/provider"
)

// app is the API: a Verifier with its metrics, and the router in front.
type app struct {
	*provider.Verifier
	Handler http.Handler
}

// newApp builds the API for cfg: the OIDC provider (discovering its JWKS
// URL unless given), a Prometheus registry of its own with the jwtguard,
// Go and process collectors, the Verifier and the router. Close it to stop
// the key cache.
func newApp(ctx context.Context, cfg config, logger *slog.Logger) (*app, error) {
	p, err := provider.NewOIDC(ctx, provider.OIDCConfig{Issuer: cfg.Issuer, JWKSURL: cfg.JWKSURL, Audiences: cfg.Audiences})
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m, err := metrics.New(metrics.Config{Registerer: reg})
	if err != nil {
		return nil, err
	}
	v, err := provider.NewVerifier(provider.VerifierConfig{
		Providers: []provider.Provider{p},
		Hooks:     m,
		Cache:     cache.Config{Hooks: m, Logger: logger},
	})
	if err != nil {
		return nil, err
	}
	mw, err := middleware.New(middleware.Config{Verifier: v, Logger: logger})
	if err != nil {
		v.Close()
		return nil, err
	}
	return &app{Verifier: v, Handler: newRouter(mw, reg, cfg.Scope)}, nil
}

// newRouter mounts the routes: /healthz and /metrics in the open, /api
// behind the middleware, /api/admin behind scope too.
func newRouter(mw *middleware.Middleware, g prometheus.Gatherer, scope string) http.Handler {
	r := chi.NewRouter()
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]string{"status": "ok"})
	})
	r.Method(http.MethodGet, "/metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	r.Route("/api", func(r chi.Router) {
		r.Use(mw.Handler)
		r.Get("/me", func(w http.ResponseWriter, r *http.Request) {
			c := middleware.ClaimsFrom(r.Context())
			writeJSON(w, map[string]any{"subject": c.Subject, "scopes": c.Scopes})
		})
		r.With(mw.RequireScopes(scope)).Get("/admin", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, map[string]string{"message": "hello, admin " + middleware.ClaimsFrom(r.Context()).Subject})
		})
	})
	return r
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
