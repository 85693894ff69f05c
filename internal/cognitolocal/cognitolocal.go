// Package cognitolocal drives cognito-local (npm cognito-local 5.x), the
// Cognito stand-in the end-to-end tests run against: it creates user
// pools, app clients, groups and users through cognito-local's JSON API
// (the AWS JSON 1.1 protocol) and signs users in for real tokens. Only
// tests import it: its functions take a testing.TB and fail or skip it.
//
// Connect skips the test unless COGNITO_LOCAL_URL is set, e.g.
//
//	(cd "$(mktemp -d)" && HOST=127.0.0.1 PORT=9229 npx cognito-local) &
//	export COGNITO_LOCAL_URL=http://127.0.0.1:9229
//
// cognito-local puts HOST:PORT in the tokens' iss, so COGNITO_LOCAL_URL
// must name the same host and port.
//
// An API, a Pool and their methods are safe for concurrent use.
package cognitolocal

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// EnvURL is the environment variable that names cognito-local's URL.
const EnvURL = "COGNITO_LOCAL_URL"

// API calls cognito-local's JSON API.
type API struct {
	URL    string // COGNITO_LOCAL_URL without a trailing slash
	client *http.Client
}

// Connect returns the API at COGNITO_LOCAL_URL, skipping the test if it is
// not set and failing it if cognito-local does not answer /health.
func Connect(t testing.TB) *API {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		t.Skip(EnvURL + " is not set: start cognito-local and set it (e.g. http://127.0.0.1:9229) to run the end-to-end Cognito tests")
	}
	a := &API{URL: strings.TrimSuffix(u, "/"), client: &http.Client{Timeout: 10 * time.Second}}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, a.URL+"/health", nil)
	if err != nil {
		t.Fatalf("cognito-local at %s=%s: %v", EnvURL, u, err)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		t.Fatalf("cognito-local at %s=%s: %v", EnvURL, u, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("cognito-local at %s=%s: /health answered %s", EnvURL, u, resp.Status)
	}
	return a
}

// Call runs action (e.g. "CreateUserPool") with input in and decodes the
// answer into out, if out is not nil. It fails the test on any error.
func (a *API) Call(t testing.TB, action string, in, out any) {
	t.Helper()
	body, err := json.Marshal(in)
	if err != nil {
		t.Fatalf("cognito-local %s: %v", action, err)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, a.URL+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("cognito-local %s: %v", action, err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+action)
	resp, err := a.client.Do(req)
	if err != nil {
		t.Fatalf("cognito-local %s: %v", action, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatalf("cognito-local %s: %v", action, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("cognito-local %s: %s: %s", action, resp.Status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("cognito-local %s: decoding %s: %v", action, b, err)
		}
	}
}

// Pool is a user pool with one app client that may sign in with a
// password (ALLOW_USER_PASSWORD_AUTH).
type Pool struct {
	api      *API
	URL      string // the API's URL: the tokens' issuer is URL + "/" + ID
	ID       string // e.g. local_1djmEwDU
	ClientID string
}

// NewPool creates a pool with a name no other run uses, its app client and
// the given groups.
func (a *API) NewPool(t testing.TB, groups ...string) *Pool {
	t.Helper()
	p := &Pool{api: a, URL: a.URL}
	var pool struct{ UserPool struct{ Id string } }
	a.Call(t, "CreateUserPool", map[string]any{"PoolName": unique("jwtguard")}, &pool)
	p.ID = pool.UserPool.Id
	var client struct{ UserPoolClient struct{ ClientId string } }
	a.Call(t, "CreateUserPoolClient", map[string]any{
		"UserPoolId":        p.ID,
		"ClientName":        "jwtguard-test",
		"ExplicitAuthFlows": []string{"ALLOW_USER_PASSWORD_AUTH"},
	}, &client)
	p.ClientID = client.UserPoolClient.ClientId
	if p.ID == "" || p.ClientID == "" {
		t.Fatalf("cognito-local: incomplete pool: %+v", p)
	}
	for _, g := range groups {
		a.Call(t, "CreateGroup", map[string]any{"UserPoolId": p.ID, "GroupName": g}, nil)
	}
	return p
}

// User is a user of a Pool, signed in.
type User struct {
	Username    string // an e-mail address, also the email attribute
	Sub         string
	AccessToken string
	IDToken     string
}

// Login creates the user email (cognito-local wants e-mail addresses as
// usernames) with a permanent random password, adds it to groups, which
// must exist, and signs it in with USER_PASSWORD_AUTH.
func (p *Pool) Login(t testing.TB, email string, groups ...string) User {
	t.Helper()
	u := User{Username: email}
	password := unique("Pw1!")
	var user struct {
		User struct {
			Attributes []struct{ Name, Value string }
		}
	}
	p.api.Call(t, "AdminCreateUser", map[string]any{
		"UserPoolId":     p.ID,
		"Username":       email,
		"MessageAction":  "SUPPRESS",
		"UserAttributes": []map[string]string{{"Name": "email", "Value": email}},
	}, &user)
	for _, attr := range user.User.Attributes {
		if attr.Name == "sub" {
			u.Sub = attr.Value
		}
	}
	p.api.Call(t, "AdminSetUserPassword", map[string]any{
		"UserPoolId": p.ID, "Username": email, "Password": password, "Permanent": true,
	}, nil)
	for _, g := range groups {
		p.api.Call(t, "AdminAddUserToGroup", map[string]any{"UserPoolId": p.ID, "Username": email, "GroupName": g}, nil)
	}
	var auth struct {
		AuthenticationResult struct{ AccessToken, IdToken string }
	}
	p.api.Call(t, "InitiateAuth", map[string]any{
		"ClientId":       p.ClientID,
		"AuthFlow":       "USER_PASSWORD_AUTH",
		"AuthParameters": map[string]string{"USERNAME": email, "PASSWORD": password},
	}, &auth)
	u.AccessToken, u.IDToken = auth.AuthenticationResult.AccessToken, auth.AuthenticationResult.IdToken
	if u.Sub == "" || u.AccessToken == "" || u.IDToken == "" {
		t.Fatalf("cognito-local: incomplete sign-in of %s: %+v", email, u)
	}
	return u
}

// unique returns prefix and a random suffix: a name no other run uses.
func unique(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}
