package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/cognito"
	"github.com/jwtguard/jwtguard/examples/internal/exampletest"
)

// TestCognitoLocal runs the example against cognito-local, a Cognito
// stand-in (CI sets COGNITO_LOCAL_URL; see TESTING.md): a new pool, app
// client and users, real tokens from InitiateAuth, and the router
// configured exactly as for AWS but for the endpoint.
func TestCognitoLocal(t *testing.T) {
	endpoint := os.Getenv("COGNITO_LOCAL_URL")
	if endpoint == "" {
		t.Skip("COGNITO_LOCAL_URL is not set: no cognito-local to test against")
	}
	cl := cognitoLocal{t: t, url: strings.TrimSuffix(endpoint, "/")}
	var pool struct{ UserPool struct{ Id string } }
	cl.call("CreateUserPool", map[string]any{"PoolName": fmt.Sprintf("jwtguard-example-%d", time.Now().UnixNano())}, &pool)
	poolID := pool.UserPool.Id
	var client struct{ UserPoolClient struct{ ClientId string } }
	cl.call("CreateUserPoolClient", map[string]any{"UserPoolId": poolID, "ClientName": "api",
		"ExplicitAuthFlows": []string{"ALLOW_USER_PASSWORD_AUTH"}}, &client)
	clientID := client.UserPoolClient.ClientId
	cl.call("CreateGroup", map[string]any{"UserPoolId": poolID, "GroupName": "admin"}, nil)
	const password = "Corr3ct-horse-battery"
	login := func(user string, admin bool) (access, id string) {
		cl.call("AdminCreateUser", map[string]any{"UserPoolId": poolID, "Username": user, "MessageAction": "SUPPRESS"}, nil)
		cl.call("AdminSetUserPassword", map[string]any{"UserPoolId": poolID, "Username": user, "Password": password, "Permanent": true}, nil)
		if admin {
			cl.call("AdminAddUserToGroup", map[string]any{"UserPoolId": poolID, "Username": user, "GroupName": "admin"}, nil)
		}
		var auth struct {
			AuthenticationResult struct{ AccessToken, IdToken string }
		}
		cl.call("InitiateAuth", map[string]any{"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": clientID,
			"AuthParameters": map[string]string{"USERNAME": user, "PASSWORD": password}}, &auth)
		return auth.AuthenticationResult.AccessToken, auth.AuthenticationResult.IdToken
	}
	aliceAccess, aliceID := login("alice@example.com", true)
	bobAccess, _ := login("bob@example.com", false)

	cfg, err := parseConfig(nil, env{
		"COGNITO_ENDPOINT": cl.url, "COGNITO_USER_POOL_ID": poolID, "COGNITO_CLIENT_IDS": clientID,
	}.get, io.Discard)
	if err != nil {
		t.Fatalf("parseConfig: %v", err)
	}
	a, err := newApp(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("newApp: %v", err)
	}
	exampletest.CheckRoutes(t, exampletest.Serve(t, a), []exampletest.Route{
		{Name: "access token", Path: "/api/me", Token: aliceAccess, Status: http.StatusOK},
		{Name: "access token of an admin", Path: "/api/admin", Token: aliceAccess, Status: http.StatusOK},
		{Name: "access token of someone else", Path: "/api/admin", Token: bobAccess, Status: http.StatusForbidden},
		{Name: "ID token where access tokens are wanted", Path: "/api/me", Token: aliceID, Status: http.StatusUnauthorized},
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
	req.Header.Set("Authorization", "Bearer "+aliceID)
	b.Handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"email":"alice@example.com"`) {
		t.Errorf("ID token: %d %q, want 200 with the email", rec.Code, rec.Body.String())
	}
}

// env is a map that stands for the environment.
type env map[string]string

func (e env) get(k string) string { return e[k] }

// cognitoLocal calls cognito-local's JSON API.
type cognitoLocal struct {
	t   *testing.T
	url string
}

func (c cognitoLocal) call(action string, in, out any) {
	c.t.Helper()
	body, err := json.Marshal(in)
	if err != nil {
		c.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, c.url+"/", bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+action)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("cognito-local %s: %v", action, err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		c.t.Fatalf("cognito-local %s: HTTP %d: %s", action, resp.StatusCode, buf.String())
	}
	if out != nil {
		if err := json.Unmarshal(buf.Bytes(), out); err != nil {
			c.t.Fatalf("cognito-local %s: %v in %s", action, err, buf.String())
		}
	}
}
