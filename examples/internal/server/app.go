package server

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/metrics"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/provider"
)

// App is an example's API: a Verifier with its metrics, and the router in
// front. Close (the Verifier's) stops the key cache.
type App struct {
	*provider.Verifier
	Handler http.Handler
}

// Config says what New builds.
type Config struct {
	// Providers are the issuers whose tokens the API accepts. Required.
	Providers []provider.Provider
	// Routes mounts the example's routes: mw in front of those that need
	// a token, metrics (the registry New made) on /metrics. Required.
	Routes func(mw *middleware.Middleware, metrics prometheus.Gatherer) http.Handler
	// HTTPClient fetches the keys. If nil, http.DefaultClient is used.
	HTTPClient *http.Client
	// Logger receives the key cache's refresh failures and the
	// middleware's rejections. If nil, nothing is logged.
	Logger *slog.Logger
}

// New builds the API: a Prometheus registry of its own with the jwtguard,
// Go and process collectors, a Verifier for cfg.Providers reporting to it,
// the middleware, and the router cfg.Routes mounts with them. Close the
// App to stop the key cache.
func New(cfg Config) (*App, error) {
	if cfg.Routes == nil {
		return nil, errors.New("server: Config.Routes is nil")
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m, err := metrics.New(metrics.Config{Registerer: reg})
	if err != nil {
		return nil, err
	}
	v, err := provider.NewVerifier(provider.VerifierConfig{
		Providers: cfg.Providers,
		Hooks:     m,
		Cache:     cache.Config{Hooks: m, Logger: cfg.Logger, HTTPClient: cfg.HTTPClient},
	})
	if err != nil {
		return nil, err
	}
	mw, err := middleware.New(middleware.Config{Verifier: v, Logger: cfg.Logger})
	if err != nil {
		v.Close()
		return nil, err
	}
	return &App{Verifier: v, Handler: cfg.Routes(mw, reg)}, nil
}
