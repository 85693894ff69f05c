package main

import (
	"encoding/json"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/jwtguard/jwtguard/auth0"
	"github.com/jwtguard/jwtguard/middleware"
)

// routes mounts the routes on a net/http ServeMux: /healthz and /metrics
// in the open, /api/ behind the middleware, /api/messages behind the
// permission c.Permission too.
func (c config) routes(mw *middleware.Middleware, g prometheus.Gatherer) http.Handler {
	api := http.NewServeMux()
	api.HandleFunc("GET /api/me", func(w http.ResponseWriter, r *http.Request) {
		claims := middleware.FromContext(r.Context())
		writeJSON(w, map[string]any{
			"subject":     claims.Subject(),
			"scopes":      claims.Scopes(),
			"permissions": auth0.Permissions(claims),
			"machine":     auth0.MachineToMachine(claims), // a client-credentials token
		})
	})
	api.Handle("GET /api/messages", mw.Require(auth0.RequirePermissions(c.Permission))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, []map[string]string{{"from": "jwtguard", "text": "hello, " + middleware.FromContext(r.Context()).Subject()}})
	})))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]string{"status": "ok"})
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	mux.Handle("/api/", mw.Handler(api))
	return mux
}

// writeJSON answers with v as JSON. An error writing the body cannot be
// reported to the client any more, so it is dropped.
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
