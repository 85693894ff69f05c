// Command chi serves an API behind jwtguard with the chi router: a public
// route, a group of routes that need a valid token from one OpenID Connect
// issuer, one of them also a scope, and /metrics for Prometheus.
//
//	go run ./examples/chi -issuer https://issuer.example.com -audience api://orders
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
// The whole program is in this file: copy it. What is chi's is newRouter
// at the end; the rest is the same in the gorilla example: the
// configuration (parseConfig), main, and run, which builds the Verifier
// with its metrics and the middleware, fetches the keys, and serves until
// SIGINT or SIGTERM, then shuts down gracefully.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/metrics"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/provider"
)

// config is what the command is told by flags and the environment.
type config struct {
	Addr      string   // listen address
	Issuer    string   // exact iss of accepted tokens
	Audiences []string // accepted aud values
	JWKSURL   string   // optional; discovered from Issuer when empty
	Scope     string   // the scope /api/admin requires
}

// parseConfig reads args, falling back to getenv for each flag not given;
// usage receives the help text and flag errors.
func parseConfig(args []string, getenv func(string) string, usage io.Writer) (config, error) {
	var cfg config
	var audiences string
	fs := flag.NewFlagSet("chi", flag.ContinueOnError)
	fs.SetOutput(usage)
	fs.StringVar(&cfg.Addr, "addr", cmp.Or(getenv("ADDR"), "127.0.0.1:8080"), "`address` to listen on (ADDR)")
	fs.StringVar(&cfg.Issuer, "issuer", getenv("OIDC_ISSUER"), "exact `iss` of the tokens to accept (OIDC_ISSUER)")
	fs.StringVar(&audiences, "audience", getenv("OIDC_AUDIENCE"), "comma-separated `audiences` to accept (OIDC_AUDIENCE)")
	fs.StringVar(&cfg.JWKSURL, "jwks-url", getenv("OIDC_JWKS_URL"), "JWKS `URL`; if empty, discovered from the issuer (OIDC_JWKS_URL)")
	fs.StringVar(&cfg.Scope, "scope", cmp.Or(getenv("REQUIRED_SCOPE"), "admin"), "`scope` that /api/admin requires (REQUIRED_SCOPE)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, a := range strings.Split(audiences, ",") {
		if a = strings.TrimSpace(a); a != "" {
			cfg.Audiences = append(cfg.Audiences, a)
		}
	}
	switch {
	case cfg.Issuer == "":
		return config{}, errors.New("missing -issuer (or OIDC_ISSUER): the issuer whose tokens to accept")
	case len(cfg.Audiences) == 0:
		return config{}, errors.New("missing -audience (or OIDC_AUDIENCE): the audience your API's tokens carry")
	case cfg.Scope == "":
		return config{}, errors.New("-scope (or REQUIRED_SCOPE) must not be empty")
	}
	return cfg, nil
}

// main exits with status 2 if the configuration is wrong, 1 if serving
// fails.
func main() {
	cfg, err := parseConfig(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "chi:", err)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chi:", err)
		os.Exit(1)
	}
	if err := run(ctx, cfg, ln, logger); err != nil {
		fmt.Fprintln(os.Stderr, "chi:", err)
		os.Exit(1)
	}
}

// run serves the API on ln until ctx ends, then shuts down gracefully and
// closes the Verifier. It returns the error that ended serving, or that of
// the shutdown (nil when every request finished in time); ln is closed
// when it returns.
func run(ctx context.Context, cfg config, ln net.Listener, logger *slog.Logger) error {
	defer ln.Close()
	// Discovery and the first fetch of the keys get 15 seconds.
	setupCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	p, err := provider.NewOIDC(setupCtx, provider.OIDCConfig{Issuer: cfg.Issuer, JWKSURL: cfg.JWKSURL, Audiences: cfg.Audiences})
	if err != nil {
		return err
	}

	// A Prometheus registry of the program's own, for /metrics: jwtguard's
	// metrics, which the Verifier and its key cache report to, and the Go
	// and process collectors.
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m, err := metrics.New(metrics.Config{Registerer: reg})
	if err != nil {
		return err
	}
	v, err := provider.NewVerifier(provider.VerifierConfig{
		Providers: []provider.Provider{p},
		Metrics:   m,
		// The key cache warns here when a refresh fails.
		Cache: cache.Config{Logger: logger},
	})
	if err != nil {
		return err
	}
	defer v.Close() // stops the key cache, once the server has shut down
	// The middleware logs the requests it rejects at debug.
	mw, err := middleware.New(middleware.Config{Verifier: v, Logger: logger})
	if err != nil {
		return err
	}

	// Fetch the keys before serving. If they cannot be fetched, serve
	// anyway: protected routes answer 503 with Retry-After until the
	// cache, retrying in the background, has them.
	if err := v.Load(setupCtx); err != nil {
		logger.Warn("keys not loaded yet; protected routes answer 503 until they are", "error", err)
	}
	cancel()

	srv := &http.Server{Handler: newRouter(mw, reg, cfg.Scope), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	logger.Info("listening", "addr", ln.Addr().String(), "issuer", p.Issuer())
	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	// Requests in flight get 10 seconds to finish.
	shutdownCtx, cancelShutdown := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelShutdown()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		// Past the deadline: close what is left, so that no handler outlives
		// the Verifier closed on return.
		return errors.Join(err, srv.Close())
	}
	return nil
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
			c := middleware.FromContext(r.Context())
			writeJSON(w, map[string]any{"subject": c.Subject(), "scopes": c.Scopes()})
		})
		r.With(mw.RequireScopes(scope)).Get("/admin", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, map[string]string{"message": "hello, admin " + middleware.FromContext(r.Context()).Subject()})
		})
	})
	return r
}

// writeJSON answers with v as JSON. An error writing the body cannot be
// reported to the client any more, so it is dropped.
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
