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
// What is Auth0's is here and in app.go: auth0.Config from the flags, and
// a router that reads Auth0's permissions. The Verifier with its metrics
// and the middleware (server.New), and serving until SIGINT or SIGTERM
// with a graceful shutdown (server.Run) are shared with the other examples
// in examples/internal/server.
package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"

	"github.com/jwtguard/jwtguard/auth0"
	"github.com/jwtguard/jwtguard/examples/internal/server"
)

// config is what the command is told by flags and the environment.
type config struct {
	Addr       string
	Domain     string
	Audiences  []string
	Permission string // the permission /api/messages requires
}

// ListenAddr returns c.Addr, for server.Main.
func (c config) ListenAddr() string { return c.Addr }

// parseConfig reads args, falling back to getenv for each flag not given;
// usage receives the help text and flag errors.
func parseConfig(args []string, getenv func(string) string, usage io.Writer) (config, error) {
	var cfg config
	var audiences string
	fs := flag.NewFlagSet("auth0", flag.ContinueOnError)
	fs.SetOutput(usage)
	fs.StringVar(&cfg.Addr, "addr", server.Env(getenv, "127.0.0.1:8080", "ADDR"), "`address` to listen on (ADDR)")
	fs.StringVar(&cfg.Domain, "domain", getenv("AUTH0_DOMAIN"), "tenant or custom `domain`, e.g. example.eu.auth0.com (AUTH0_DOMAIN)")
	fs.StringVar(&audiences, "audience", getenv("AUTH0_AUDIENCE"), "comma-separated API `identifiers` to accept (AUTH0_AUDIENCE)")
	fs.StringVar(&cfg.Permission, "permission", server.Env(getenv, "read:messages", "AUTH0_PERMISSION"), "`permission` that /api/messages requires (AUTH0_PERMISSION)")
	if err := server.ParseFlags(fs, args); err != nil {
		return config{}, err
	}
	cfg.Audiences = server.SplitList(audiences)
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

func main() {
	server.Main("auth0", parseConfig, func(ctx context.Context, cfg config, ln net.Listener, logger *slog.Logger) error {
		return run(ctx, cfg, ln, logger, nil)
	})
}

// run serves the API on ln until ctx is cancelled, then shuts down
// gracefully (see server.Run). client fetches the keys (nil:
// http.DefaultClient).
func run(ctx context.Context, cfg config, ln net.Listener, logger *slog.Logger, client *http.Client) error {
	return server.Run(ctx, ln, logger, func(context.Context) (*server.App, error) {
		return newApp(cfg, logger, client)
	})
}
