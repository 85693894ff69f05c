package main

import (
	"cmp"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/jwtguard/jwtguard/examples/internal/server"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/provider"
)

// newApp builds the API for cfg: the user pool's Provider, then the
// Verifier with its metrics and the middleware (server.New), and the
// router in front. Close it to stop the key cache.
func newApp(cfg config, logger *slog.Logger) (*server.App, error) {
	p, err := cfg.provider()
	if err != nil {
		return nil, err
	}
	return server.New(server.Config{Providers: []provider.Provider{p}, Logger: logger, Routes: cfg.routes})
}

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
		server.WriteJSON(w, map[string]any{
			"subject":   claims.Subject(),
			"username":  cmp.Or(extra.Username, extra.Login),
			"email":     extra.Email,
			"token_use": claims.TokenUse(),
			"scopes":    claims.Scopes(),
			"groups":    claims.Groups(),
		})
	})
	api.Handle("GET /api/admin", mw.RequireGroups(c.Group)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		server.WriteJSON(w, map[string]string{"message": "hello, " + c.Group + " " + middleware.FromContext(r.Context()).Subject()})
	})))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", server.Healthz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	mux.Handle("/api/", mw.Handler(api))
	return mux
}
