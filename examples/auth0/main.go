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

	"github.com/jwtguard/jwtguard/auth0"
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
	or := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	var cfg config
	var audiences string
	fs := flag.NewFlagSet("auth0", flag.ContinueOnError)
	fs.SetOutput(usage)
	fs.StringVar(&cfg.Addr, "addr", or("ADDR", "127.0.0.1:8080"), "`address` to listen on (ADDR)")
	fs.StringVar(&cfg.Domain, "domain", getenv("AUTH0_DOMAIN"), "tenant or custom `domain`, e.g. example.eu.auth0.com (AUTH0_DOMAIN)")
	fs.StringVar(&audiences, "audience", getenv("AUTH0_AUDIENCE"), "comma-separated API `identifiers` to accept (AUTH0_AUDIENCE)")
	fs.StringVar(&cfg.Permission, "permission", or("AUTH0_PERMISSION", "read:messages"), "`permission` that /api/messages requires (AUTH0_PERMISSION)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	cfg.Audiences = splitList(audiences)
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
func (c config) provider() (*auth0.Provider, error) {
	return auth0.New(auth0.Config{Domain: c.Domain, Audiences: c.Audiences})
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

// run serves the API on ln until ctx is cancelled, then shuts down
// gracefully. client fetches the keys (nil: http.DefaultClient).
func run(ctx context.Context, cfg config, ln net.Listener, logger *slog.Logger, client *http.Client) error {
	a, err := newApp(cfg, logger, client)
	if err != nil {
		ln.Close()
		return err
	}
	defer a.Close()
	// Fetch the keys before serving. If they cannot be fetched now, serve
	// anyway: protected routes answer 503 with Retry-After until the
	// cache, retrying in the background, has them.
	loadCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	if err := a.Load(loadCtx); err != nil {
		logger.Warn("keys not loaded yet; protected routes answer 503 until they are", "error", err)
	}
	cancel()

	srv := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	logger.Info("listening", "addr", ln.Addr().String(), "issuer", a.Issuers()[0])

	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancelShutdown := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelShutdown()
	return srv.Shutdown(shutdownCtx)
}
