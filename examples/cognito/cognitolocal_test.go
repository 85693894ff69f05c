package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"

	"github.com/jwtguard/jwtguard/cognito"
	"github.com/jwtguard/jwtguard/examples/internal/exampletest"
	"github.com/jwtguard/jwtguard/internal/cognitolocal"
)

// TestCognitoLocal runs the example against cognito-local, a Cognito
// stand-in (CI sets COGNITO_LOCAL_URL; see TESTING.md): a new pool, app
// client and users, real tokens from InitiateAuth, and the router
// configured exactly as for AWS but for the endpoint.
func TestCognitoLocal(t *testing.T) {
	api := cognitolocal.Connect(t)
	pool := api.NewPool(t, "admin")
	alice := pool.Login(t, "alice@example.com", "admin")
	bob := pool.Login(t, "bob@example.com")

	cfg, err := parseConfig(nil, env{
		"COGNITO_ENDPOINT": api.URL, "COGNITO_USER_POOL_ID": pool.ID, "COGNITO_CLIENT_IDS": pool.ClientID,
	}.get, io.Discard)
	if err != nil {
		t.Fatalf("parseConfig: %v", err)
	}
	addr, _ := exampletest.StartRun(t, func(ctx context.Context, ln net.Listener) error {
		return run(ctx, cfg, ln, slog.New(slog.DiscardHandler))
	})
	exampletest.CheckRoutes(t, "http://"+addr, []exampletest.Route{
		{Name: "access token", Path: "/api/me", Token: alice.AccessToken, Status: http.StatusOK},
		{Name: "access token of an admin", Path: "/api/admin", Token: alice.AccessToken, Status: http.StatusOK},
		{Name: "access token of someone else", Path: "/api/admin", Token: bob.AccessToken, Status: http.StatusForbidden},
		{Name: "ID token where access tokens are wanted", Path: "/api/me", Token: alice.IDToken, Status: http.StatusUnauthorized},
	})
	// The same pool, configured for ID tokens.
	cfg.TokenUse = cognito.IDToken
	addr, _ = exampletest.StartRun(t, func(ctx context.Context, ln net.Listener) error {
		return run(ctx, cfg, ln, slog.New(slog.DiscardHandler))
	})
	exampletest.CheckRoutes(t, "http://"+addr, []exampletest.Route{
		{Name: "ID token", Path: "/api/me", Token: alice.IDToken, Status: http.StatusOK, Body: `"email":"alice@example.com"`},
	})
}

// env is a map that stands for the environment.
type env map[string]string

func (e env) get(k string) string { return e[k] }
