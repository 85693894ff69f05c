package server

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/provider"
)

// OIDCConfig is what an example that accepts the tokens of one OpenID
// Connect issuer (chi, gorilla) is told by flags and the environment.
type OIDCConfig struct {
	Addr      string   // listen address
	Issuer    string   // exact iss of accepted tokens
	Audiences []string // accepted aud values
	JWKSURL   string   // optional; discovered from Issuer when empty
	Scope     string   // the scope /api/admin requires
}

// ListenAddr returns c.Addr, for Main.
func (c OIDCConfig) ListenAddr() string { return c.Addr }

// ParseOIDCConfig reads args for the command called name, falling back to
// getenv for each flag not given; usage receives the help text and flag
// errors. The flags and their variables: -addr (ADDR), -issuer
// (OIDC_ISSUER), -audience (OIDC_AUDIENCE, comma-separated), -jwks-url
// (OIDC_JWKS_URL) and -scope (REQUIRED_SCOPE).
func ParseOIDCConfig(name string, args []string, getenv func(string) string, usage io.Writer) (OIDCConfig, error) {
	var cfg OIDCConfig
	var audiences string
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(usage)
	fs.StringVar(&cfg.Addr, "addr", Env(getenv, "127.0.0.1:8080", "ADDR"), "`address` to listen on (ADDR)")
	fs.StringVar(&cfg.Issuer, "issuer", getenv("OIDC_ISSUER"), "exact `iss` of the tokens to accept (OIDC_ISSUER)")
	fs.StringVar(&audiences, "audience", getenv("OIDC_AUDIENCE"), "comma-separated `audiences` to accept (OIDC_AUDIENCE)")
	fs.StringVar(&cfg.JWKSURL, "jwks-url", getenv("OIDC_JWKS_URL"), "JWKS `URL`; if empty, discovered from the issuer (OIDC_JWKS_URL)")
	fs.StringVar(&cfg.Scope, "scope", Env(getenv, "admin", "REQUIRED_SCOPE"), "`scope` that /api/admin requires (REQUIRED_SCOPE)")
	if err := ParseFlags(fs, args); err != nil {
		return OIDCConfig{}, err
	}
	cfg.Audiences = SplitList(audiences)
	switch {
	case cfg.Issuer == "":
		return OIDCConfig{}, errors.New("missing -issuer (or OIDC_ISSUER): the issuer whose tokens to accept")
	case len(cfg.Audiences) == 0:
		return OIDCConfig{}, errors.New("missing -audience (or OIDC_AUDIENCE): the audience your API's tokens carry")
	case cfg.Scope == "":
		return OIDCConfig{}, errors.New("-scope (or REQUIRED_SCOPE) must not be empty")
	}
	return cfg, nil
}

// OIDCRouter mounts the routes of an OIDC example: /healthz and /metrics
// (metrics) in the open, /api/me behind mw, /api/admin behind mw and
// scope.
type OIDCRouter func(mw *middleware.Middleware, metrics prometheus.Gatherer, scope string) http.Handler

// NewOIDCApp builds the API of an OIDC example for cfg: the issuer's
// Provider (discovering its JWKS URL unless given; ctx bounds discovery),
// and New's Verifier, metrics and middleware with router in front.
func NewOIDCApp(ctx context.Context, cfg OIDCConfig, logger *slog.Logger, router OIDCRouter) (*App, error) {
	p, err := provider.NewOIDC(ctx, provider.OIDCConfig{Issuer: cfg.Issuer, JWKSURL: cfg.JWKSURL, Audiences: cfg.Audiences})
	if err != nil {
		return nil, err
	}
	return New(Config{
		Providers: []provider.Provider{p},
		Logger:    logger,
		Routes: func(mw *middleware.Middleware, metrics prometheus.Gatherer) http.Handler {
			return router(mw, metrics, cfg.Scope)
		},
	})
}

// RunOIDC builds the API of an OIDC example with NewOIDCApp and serves it
// on ln until ctx ends (see Run: discovery and the first fetch of the keys
// get SetupTimeout).
func RunOIDC(ctx context.Context, cfg OIDCConfig, ln net.Listener, logger *slog.Logger, router OIDCRouter) error {
	return Run(ctx, ln, logger, func(ctx context.Context) (*App, error) {
		return NewOIDCApp(ctx, cfg, logger, router)
	})
}

// OIDCMain is the main function of the OIDC example called name: Main
// with ParseOIDCConfig and RunOIDC with router.
func OIDCMain(name string, router OIDCRouter) {
	parse := func(args []string, getenv func(string) string, usage io.Writer) (OIDCConfig, error) {
		return ParseOIDCConfig(name, args, getenv, usage)
	}
	Main(name, parse, func(ctx context.Context, cfg OIDCConfig, ln net.Listener, logger *slog.Logger) error {
		return RunOIDC(ctx, cfg, ln, logger, router)
	})
}
