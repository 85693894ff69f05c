// Command gorilla serves an API behind jwtguard with gorilla/mux: a public
// route, a group of routes that need a valid token from one OpenID Connect
// issuer, one of them also a scope, and /metrics for Prometheus.
//
//	go run ./examples/gorilla -issuer https://issuer.example.com -audience api://orders
//
//	GET /healthz      public
//	GET /api/me       a valid token: its subject and scopes
//	GET /api/admin    a valid token with the scope -scope (default "admin")
//	GET /metrics      jwtguard, Go and process metrics
//
// Each flag not given is read from the environment: ADDR, OIDC_ISSUER,
// OIDC_AUDIENCE (comma-separated), OIDC_JWKS_URL (if empty, discovered
// from the issuer) and REQUIRED_SCOPE.
//
// What is gorilla's is newRouter below. The rest is shared with the chi
// example in examples/internal/server: the configuration, the Verifier
// with its metrics and the middleware (server.New), and serving until
// SIGINT or SIGTERM with a graceful shutdown (server.Run).
package main

import (
	"net/http"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/jwtguard/jwtguard/examples/internal/server"
	"github.com/jwtguard/jwtguard/middleware"
)

func main() {
	server.OIDCMain("gorilla", newRouter)
}

// newRouter mounts the routes: /healthz and /metrics in the open, the
// /api subrouter behind the middleware, /api/admin behind scope too.
func newRouter(mw *middleware.Middleware, g prometheus.Gatherer, scope string) http.Handler {
	r := mux.NewRouter()
	r.HandleFunc("/healthz", server.Healthz).Methods(http.MethodGet)
	r.Handle("/metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{})).Methods(http.MethodGet)

	// Subrouter middleware runs only for requests that match one of its
	// routes: an unknown path under /api is a 404, not a 401.
	api := r.PathPrefix("/api").Subrouter()
	api.Use(mw.Handler)
	api.HandleFunc("/me", func(w http.ResponseWriter, r *http.Request) {
		c := middleware.FromContext(r.Context())
		server.WriteJSON(w, map[string]any{"subject": c.Subject(), "scopes": c.Scopes()})
	}).Methods(http.MethodGet)
	api.Handle("/admin", mw.RequireScopes(scope)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		server.WriteJSON(w, map[string]string{"message": "hello, admin " + middleware.FromContext(r.Context()).Subject()})
	}))).Methods(http.MethodGet)
	return r
}
