package main

import (
	"cmp"
	"encoding/json"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/jwtguard/jwtguard/cognito"
	"github.com/jwtguard/jwtguard/middleware"
)

// routes mounts the routes on a net/http ServeMux: /healthz and /metrics
// in the open, /api/ behind the middleware, /api/admin behind the group
// c.Group too.
func (c config) routes(mw *middleware.Middleware, g prometheus.Gatherer) http.Handler {
	api := http.NewServeMux()
	api.HandleFunc("GET /api/me", func(w http.ResponseWriter, r *http.Request) {
		claims := middleware.FromContext(r.Context())
		// Claims the library does not model are one Decode away.
		var extra struct {
			Username string `json:"username"`         // access tokens
			Email    string `json:"email"`            // ID tokens
			Login    string `json:"cognito:username"` // ID tokens
		}
		if err := claims.Decode(&extra); err != nil {
			http.Error(w, "bad claims", http.StatusInternalServerError)
			return
		}
		writeJSON(w, map[string]any{
			"subject":   claims.Subject(),
			"username":  cmp.Or(extra.Username, extra.Login),
			"email":     extra.Email,
			"token_use": cognito.TokenUseOf(claims),
			"scopes":    claims.Scopes(),
			"groups":    claims.Groups(),
		})
	})
	api.Handle("GET /api/admin", mw.RequireGroups(c.Group)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]string{"message": "hello, " + c.Group + " " + middleware.FromContext(r.Context()).Subject()})
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
