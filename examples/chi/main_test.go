package main

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"testing"

	"github.com/jwtguard/jwtguard/examples/internal/exampletest"
	"go.uber.org/goleak"
)

// TestParseConfig checks the flags and environment the program reads,
// as every OIDC example reads them.
func TestParseConfig(t *testing.T) { exampletest.CheckOIDCParseConfig(t, "chi", parseConfig) }

// runFor runs the example for issuer, as exampletest's OIDC checks want:
// audience "api", scope "admin", the JWKS URL discovered.
func runFor(ctx context.Context, ln net.Listener, issuer string, logger *slog.Logger) error {
	return run(ctx, config{Issuer: issuer, Audiences: []string{"api"}, Scope: "admin"}, ln, logger)
}

// TestRouter drives the chi router against an issuertest issuer found by
// discovery: the routes every OIDC example answers alike (see
// exampletest.CheckOIDCRouter), and chi's own behaviour.
func TestRouter(t *testing.T) {
	exampletest.CheckOIDCRouter(t, runFor,
		// chi runs a group's middleware before routing: an unknown path
		// under /api asks for a token first.
		exampletest.Route{Name: "unknown path under /api", Path: "/api/nope", Status: http.StatusUnauthorized, Body: `"unauthorized"`},
	)
}

// TestRun serves on a real listener and shuts down gracefully when the
// context ends; it serves while the keys cannot be fetched, and fails
// when discovery does.
func TestRun(t *testing.T) {
	exampletest.CheckOIDCRun(t, runFor)
}

// TestMain fails the package if a test leaves a goroutine behind: the
// program's Verifier (and everything else it starts) must stop on Close.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
