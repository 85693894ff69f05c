package main

import (
	"cmp"
	"encoding/json"
	"log/slog"
	"net/http"

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

// newApp builds the API for cfg: the user pool's Provider, a Prometheus
// registry of its own with the jwtguard, Go and process collectors, the
// Verifier and the router. Close it to stop the key cache.
func newApp(cfg config, logger *slog.Logger) (*app, error) {
	p, err := cfg.provider()
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
	return &app{Verifier: v, Handler: newRouter(mw, reg, cfg.Group)}, nil
}

// newRouter mounts the routes on a net/http ServeMux: /healthz and
// /metrics in the open, /api/ behind the middleware, /api/admin behind the
// group too.
func newRouter(mw *middleware.Middleware, g prometheus.Gatherer, group string) http.Handler {
	api := http.NewServeMux()
	api.HandleFunc("GET /api/me", func(w http.ResponseWriter, r *http.Request) {
		c := middleware.ClaimsFrom(r.Context())
		// Claims the library does not model are one Decode away.
		var extra struct {
			Username string `json:"username"`         // access tokens
			Email    string `json:"email"`            // ID tokens
			Login    string `json:"cognito:username"` // ID tokens
		}
		if err := c.Decode(&extra); err != nil {
			http.Error(w, "bad claims", http.StatusInternalServerError)
			return
		}
		writeJSON(w, map[string]any{
			"subject":   c.Subject,
			"username":  cmp.Or(extra.Username, extra.Login),
			"email":     extra.Email,
			"token_use": c.TokenUse,
			"scopes":    c.Scopes,
			"groups":    c.Groups,
		})
	})
	api.Handle("GET /api/admin", mw.RequireGroups(group)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]string{"message": "hello, " + group + " " + middleware.ClaimsFrom(r.Context()).Subject})
	})))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]string{"status": "ok"})
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	mux.Handle("/api/", mw.Handler(api))
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
