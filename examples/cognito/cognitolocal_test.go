package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
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
	a, err := newApp(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("newApp: %v", err)
	}
	exampletest.CheckRoutes(t, exampletest.Serve(t, a), []exampletest.Route{
		{Name: "access token", Path: "/api/me", Token: alice.AccessToken, Status: http.StatusOK},
		{Name: "access token of an admin", Path: "/api/admin", Token: alice.AccessToken, Status: http.StatusOK},
		{Name: "access token of someone else", Path: "/api/admin", Token: bob.AccessToken, Status: http.StatusForbidden},
		{Name: "ID token where access tokens are wanted", Path: "/api/me", Token: alice.IDToken, Status: http.StatusUnauthorized},
	})
	// The same pool, configured for ID tokens.
	cfg.TokenUse = cognito.IDToken
	b, err := newApp(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("newApp for ID tokens: %v", err)
	}
	defer b.Close()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/api/me", nil)
	req.Header.Set("Authorization", "Bearer "+alice.IDToken)
	b.Handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"email":"alice@example.com"`) {
		t.Errorf("ID token: %d %q, want 200 with the email", rec.Code, rec.Body.String())
	}
}

// env is a map that stands for the environment.
type env map[string]string

func (e env) get(k string) string { return e[k] }
