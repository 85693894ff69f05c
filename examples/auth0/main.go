// Command auth0 serves an API that accepts access tokens from an Auth0
// tenant, with nothing but net/http: a public route, routes that need a
// valid token for the API's audience, one of them also an RBAC
// permission, and /metrics for Prometheus.
//
//	go run ./examples/auth0 -domain example.eu.auth0.com -audience https://api.example.com
//
//	GET /healthz        public
//	GET /api/me         a valid token: subject, scopes, permissions, and whether it is machine-to-machine
//	GET /api/messages   a valid token with the permission -permission (default "read:messages")
//	GET /metrics        jwtguard, Go and process metrics
//
// Each flag not given is read from the environment: ADDR, AUTH0_DOMAIN
// (the tenant's domain or a custom domain), AUTH0_AUDIENCE (the API
// identifiers, comma-separated) and AUTH0_PERMISSION. Permissions reach
// the token when RBAC and "Add Permissions in the Access Token" are
// enabled for the API in Auth0.
//
// The whole program is in this directory: copy it. What is Auth0's is
// auth0.Config from the flags (here) and a router that reads Auth0's
// permissions and guards a route with them (routes.go: auth0.Permissions,
// mw.Require(auth0.RequirePermissions(…))). main and run — which build
// the Verifier with its metrics and the middleware, fetch the keys, and
// serve until SIGINT or SIGTERM, then shut down gracefully — are much the
// same in the cognito, chi and gorilla examples.
package main

import (
	"cmp"
	"context"
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

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/jwtguard/jwtguard/auth0"
	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/metrics"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/provider"
)

// config is what the command is told by flags and the environment.
type config struct {
	Addr       string
	Domain     string
	Audiences  []string
	Permission string // the permission /api/messages requires
}

// parseConfig reads args, falling back to getenv for each flag not given;
// usage receives the help text and flag errors.
func parseConfig(args []string, getenv func(string) string, usage io.Writer) (config, error) {
	var cfg config
	var audiences string
	fs := flag.NewFlagSet("auth0", flag.ContinueOnError)
	fs.SetOutput(usage)
	fs.StringVar(&cfg.Addr, "addr", cmp.Or(getenv("ADDR"), "127.0.0.1:8080"), "`address` to listen on (ADDR)")
	fs.StringVar(&cfg.Domain, "domain", getenv("AUTH0_DOMAIN"), "tenant or custom `domain`, e.g. example.eu.auth0.com (AUTH0_DOMAIN)")
	fs.StringVar(&audiences, "audience", getenv("AUTH0_AUDIENCE"), "comma-separated API `identifiers` to accept (AUTH0_AUDIENCE)")
	fs.StringVar(&cfg.Permission, "permission", cmp.Or(getenv("AUTH0_PERMISSION"), "read:messages"), "`permission` that /api/messages requires (AUTH0_PERMISSION)")
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
	case cfg.Domain == "":
		return config{}, errors.New("missing -domain (or AUTH0_DOMAIN): the Auth0 tenant's domain")
	case len(cfg.Audiences) == 0:
		return config{}, errors.New("missing -audience (or AUTH0_AUDIENCE): your API's identifier in Auth0")
	case cfg.Permission == "":
		return config{}, errors.New("-permission (or AUTH0_PERMISSION) must not be empty")
	}
	return cfg, nil
}

// provider returns the tenant's Provider; auth0.New checks the domain.
func (c config) provider() (provider.Provider, error) {
	return auth0.New(auth0.Config{Domain: c.Domain, Audiences: c.Audiences})
}

// main exits with status 2 if the configuration is wrong, 1 if serving
// fails.
func main() {
	cfg, err := parseConfig(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "auth0:", err)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "auth0:", err)
		os.Exit(1)
	}
	if err := run(ctx, cfg, ln, logger, nil); err != nil {
		fmt.Fprintln(os.Stderr, "auth0:", err)
		os.Exit(1)
	}
}

// run serves the API on ln until ctx ends, then shuts down gracefully and
// closes the Verifier. client fetches the keys (nil: http.DefaultClient).
// run returns the error that ended serving, or that of the shutdown (nil
// when every request finished in time); ln is closed when it returns.
func run(ctx context.Context, cfg config, ln net.Listener, logger *slog.Logger, client *http.Client) error {
	defer ln.Close()
	p, err := cfg.provider()
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
		Cache: cache.Config{Logger: logger, HTTPClient: client},
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

	// Fetch the keys before serving, within 15 seconds. If they cannot be
	// fetched, serve anyway: protected routes answer 503 with Retry-After
	// until the cache, retrying in the background, has them.
	loadCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	err = v.Load(loadCtx)
	cancel()
	if err != nil {
		logger.Warn("keys not loaded yet; protected routes answer 503 until they are", "error", err)
	}

	srv := &http.Server{Handler: cfg.routes(mw, reg), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
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
