package main

import (
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/jwtguard/jwtguard/auth0"
	"github.com/jwtguard/jwtguard/examples/internal/server"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/provider"
)

// newApp builds the API for cfg: the tenant's Provider, then the Verifier
// (fetching keys with client; nil means http.DefaultClient) with its
// metrics and the middleware (server.New), and the router in front. Close
// it to stop the key cache.
func newApp(cfg config, logger *slog.Logger, client *http.Client) (*server.App, error) {
	p, err := cfg.provider()
	if err != nil {
		return nil, err
	}
	return server.New(server.Config{
		Providers:  []provider.Provider{p},
		HTTPClient: client,
		Logger:     logger,
		Routes:     cfg.routes,
	})
}

// routes mounts the routes on a net/http ServeMux: /healthz and /metrics
// in the open, /api/ behind the middleware, /api/messages behind the
// permission c.Permission too.
func (c config) routes(mw *middleware.Middleware, g prometheus.Gatherer) http.Handler {
	api := http.NewServeMux()
	api.HandleFunc("GET /api/me", func(w http.ResponseWriter, r *http.Request) {
		claims := middleware.FromContext(r.Context())
		server.WriteJSON(w, map[string]any{
			"subject":     claims.Subject(),
			"scopes":      claims.Scopes(),
			"permissions": claims.Permissions(),
			"machine":     auth0.MachineToMachine(claims), // a client-credentials token
		})
	})
	api.Handle("GET /api/messages", mw.RequirePermissions(c.Permission)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		server.WriteJSON(w, []map[string]string{{"from": "jwtguard", "text": "hello, " + middleware.FromContext(r.Context()).Subject()}})
	})))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", server.Healthz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	mux.Handle("/api/", mw.Handler(api))
	return mux
}
