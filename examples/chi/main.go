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
package main

import (
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
	or := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	var cfg config
	var audiences string
	fs := flag.NewFlagSet("chi", flag.ContinueOnError)
	fs.SetOutput(usage)
	fs.StringVar(&cfg.Addr, "addr", or("ADDR", "127.0.0.1:8080"), "`address` to listen on (ADDR)")
	fs.StringVar(&cfg.Issuer, "issuer", getenv("OIDC_ISSUER"), "exact `iss` of the tokens to accept (OIDC_ISSUER)")
	fs.StringVar(&audiences, "audience", getenv("OIDC_AUDIENCE"), "comma-separated `audiences` to accept (OIDC_AUDIENCE)")
	fs.StringVar(&cfg.JWKSURL, "jwks-url", getenv("OIDC_JWKS_URL"), "JWKS `URL`; if empty, discovered from the issuer (OIDC_JWKS_URL)")
	fs.StringVar(&cfg.Scope, "scope", or("REQUIRED_SCOPE", "admin"), "`scope` that /api/admin requires (REQUIRED_SCOPE)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	cfg.Audiences = splitList(audiences)
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

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

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

// run serves the API on ln until ctx is cancelled, then shuts down
// gracefully.
func run(ctx context.Context, cfg config, ln net.Listener, logger *slog.Logger) error {
	// Discovery and the first fetch of the keys get 15 seconds.
	setupCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	a, err := newApp(setupCtx, cfg, logger)
	if err != nil {
		ln.Close()
		return err
	}
	defer a.Close()
	// If the keys cannot be fetched now, serve anyway: protected routes
	// answer 503 with Retry-After until the cache, retrying in the
	// background, has them.
	if err := a.Load(setupCtx); err != nil {
		logger.Warn("keys not loaded yet; protected routes answer 503 until they are", "error", err)
	}

	srv := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	logger.Info("listening", "addr", ln.Addr().String(), "issuer", cfg.Issuer)

	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancelShutdown := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelShutdown()
	return srv.Shutdown(shutdownCtx)
}
