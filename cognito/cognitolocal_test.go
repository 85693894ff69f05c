package cognito_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/cognito"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/provider"
)

// The tests in this file run against cognito-local (npm cognito-local
// 5.x), a Cognito stand-in: they create a user pool, an app client and a
// user through its JSON API, sign in, and verify the tokens it issues.
// They skip unless COGNITO_LOCAL_URL is set, e.g.
//
//	(cd "$(mktemp -d)" && HOST=127.0.0.1 PORT=9229 npx cognito-local) &
//	COGNITO_LOCAL_URL=http://127.0.0.1:9229 go test -run Local ./cognito/
//
// cognito-local puts HOST:PORT in the tokens' iss, so COGNITO_LOCAL_URL
// must name the same host and port.

// localGroup is the group the test user is added to.
const localGroup = "admins"

// localOwnClient, in a test case's client list, stands for the pool's app
// client.
const localOwnClient = "(own client)"

// localPool is a user pool created in cognito-local, with one app client,
// one user in localGroup, and that user's tokens.
type localPool struct {
	URL      string // COGNITO_LOCAL_URL
	ID       string // e.g. local_1djmEwDU
	ClientID string
	Sub      string // the user's sub
	Access   string // access token
	IDToken  string // ID token
}

// localAPI calls cognito-local's JSON API (the AWS JSON 1.1 protocol).
type localAPI struct {
	url    string
	client *http.Client
}

// localConnect returns the API at COGNITO_LOCAL_URL, skipping the test if
// it is not set and failing it if cognito-local does not answer.
func localConnect(t *testing.T) *localAPI {
	t.Helper()
	u := os.Getenv("COGNITO_LOCAL_URL")
	if u == "" {
		t.Skip("COGNITO_LOCAL_URL is not set: start cognito-local and set it (e.g. http://127.0.0.1:9229) to run the end-to-end Cognito tests")
	}
	api := &localAPI{url: strings.TrimSuffix(u, "/"), client: &http.Client{Timeout: 10 * time.Second}}
	resp, err := api.client.Get(api.url + "/health")
	if err != nil {
		t.Fatalf("cognito-local at COGNITO_LOCAL_URL=%s: %v", u, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("cognito-local at COGNITO_LOCAL_URL=%s: /health answered %s", u, resp.Status)
	}
	return api
}

// call runs action with input in and decodes the answer into out (if not
// nil).
func (a *localAPI) call(t *testing.T, action string, in, out any) {
	t.Helper()
	body, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, a.url+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
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

// localUnique returns a name no other run uses.
func localUnique(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

// newPool creates a pool, an app client allowed to sign in with a
// password, a user in localGroup, and signs the user in.
func (a *localAPI) newPool(t *testing.T) *localPool {
	t.Helper()
	p := &localPool{URL: a.url}

	var pool struct{ UserPool struct{ Id string } }
	a.call(t, "CreateUserPool", map[string]any{"PoolName": localUnique("jwtguard")}, &pool)
	p.ID = pool.UserPool.Id

	var client struct{ UserPoolClient struct{ ClientId string } }
	a.call(t, "CreateUserPoolClient", map[string]any{
		"UserPoolId":        p.ID,
		"ClientName":        "jwtguard-test",
		"ExplicitAuthFlows": []string{"ALLOW_USER_PASSWORD_AUTH"},
	}, &client)
	p.ClientID = client.UserPoolClient.ClientId

	email := localUnique("user") + "@example.com"
	password := localUnique("Pw1!")
	var user struct {
		User struct {
			Attributes []struct{ Name, Value string }
		}
	}
	a.call(t, "AdminCreateUser", map[string]any{
		"UserPoolId":     p.ID,
		"Username":       email,
		"MessageAction":  "SUPPRESS",
		"UserAttributes": []map[string]string{{"Name": "email", "Value": email}},
	}, &user)
	for _, attr := range user.User.Attributes {
		if attr.Name == "sub" {
			p.Sub = attr.Value
		}
	}
	a.call(t, "AdminSetUserPassword", map[string]any{
		"UserPoolId": p.ID, "Username": email, "Password": password, "Permanent": true,
	}, nil)
	a.call(t, "CreateGroup", map[string]any{"UserPoolId": p.ID, "GroupName": localGroup}, nil)
	a.call(t, "AdminAddUserToGroup", map[string]any{"UserPoolId": p.ID, "Username": email, "GroupName": localGroup}, nil)

	var auth struct {
		AuthenticationResult struct{ AccessToken, IdToken string }
	}
	a.call(t, "InitiateAuth", map[string]any{
		"ClientId":       p.ClientID,
		"AuthFlow":       "USER_PASSWORD_AUTH",
		"AuthParameters": map[string]string{"USERNAME": email, "PASSWORD": password},
	}, &auth)
	p.Access, p.IDToken = auth.AuthenticationResult.AccessToken, auth.AuthenticationResult.IdToken

	if p.ID == "" || p.ClientID == "" || p.Sub == "" || p.Access == "" || p.IDToken == "" {
		t.Fatalf("cognito-local: incomplete setup: %+v", p)
	}
	return p
}

// config returns the cognito.Config of the pool: cognito-local's pool ids
// are "local_<id>", its region "local".
func (p *localPool) config(use cognito.TokenUse) cognito.Config {
	region, _, _ := strings.Cut(p.ID, "_")
	return cognito.Config{
		Region:     region,
		UserPoolID: p.ID,
		ClientIDs:  []string{p.ClientID},
		TokenUse:   use,
		Endpoint:   p.URL,
	}
}

// localUnverified returns a token's header and claims, unverified.
func localUnverified(t *testing.T, token string) (map[string]any, jwt.MapClaims) {
	t.Helper()
	claims := jwt.MapClaims{}
	tok, _, err := jwt.NewParser().ParseUnverified(token, claims)
	if err != nil {
		t.Fatalf("parsing a cognito-local token: %v", err)
	}
	return tok.Header, claims
}

// TestLocalEndpoints checks that the issuer and JWKS URL the Provider
// derives are the ones cognito-local issues tokens as and serves keys at.
func TestLocalEndpoints(t *testing.T) {
	p := localConnect(t).newPool(t)
	prov, err := cognito.New(p.config(cognito.AnyToken))
	if err != nil {
		t.Fatal(err)
	}
	if want := p.URL + "/" + p.ID; prov.Issuer() != want {
		t.Errorf("Issuer() = %q, want %q", prov.Issuer(), want)
	}

	var kids []string
	for name, token := range map[string]string{"access": p.Access, "id": p.IDToken} {
		header, claims := localUnverified(t, token)
		if claims["iss"] != prov.Issuer() {
			t.Errorf("%s token iss %q, Issuer() %q: is cognito-local's HOST:PORT the one in COGNITO_LOCAL_URL?",
				name, claims["iss"], prov.Issuer())
		}
		if header["alg"] != "RS256" {
			t.Errorf("%s token alg %v, want RS256", name, header["alg"])
		}
		kid, _ := header["kid"].(string)
		kids = append(kids, kid)
	}

	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, prov.JWKSURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET JWKSURL() %s: %v", prov.JWKSURL(), err)
	}
	defer resp.Body.Close()
	var set struct {
		Keys []struct{ Kid, Kty, Alg, Use string }
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET JWKSURL() %s: %s", prov.JWKSURL(), resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatalf("GET JWKSURL() %s: %v", prov.JWKSURL(), err)
	}
	for _, kid := range kids {
		i := slices.IndexFunc(set.Keys, func(k struct{ Kid, Kty, Alg, Use string }) bool { return k.Kid == kid })
		if i < 0 {
			t.Errorf("the tokens' kid %q is not in %s: %+v", kid, prov.JWKSURL(), set.Keys)
		} else if k := set.Keys[i]; k.Kty != "RSA" || k.Use != "sig" {
			t.Errorf("key %q is kty %q use %q, want an RSA signing key", kid, k.Kty, k.Use)
		}
	}
}

// localEcho is what the protected handler answers: the verified claims.
type localEcho struct {
	Subject  string   `json:"sub"`
	ClientID string   `json:"client_id"`
	TokenUse string   `json:"token_use"`
	Audience []string `json:"aud"`
	Groups   []string `json:"groups"`
	Scopes   []string `json:"scopes"`
}

// localServe starts an API that verifies tokens with cfg, and returns it
// with its verifier: "/" needs a valid token, "/admins" and "/auditors"
// also that group (middleware guard).
func localServe(t *testing.T, cfg cognito.Config) (*httptest.Server, *provider.Verifier) {
	t.Helper()
	prov, err := cognito.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	v, err := provider.NewVerifier(provider.VerifierConfig{Providers: []provider.Provider{prov}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	if err := v.Load(t.Context()); err != nil {
		t.Fatalf("loading cognito-local's keys: %v", err)
	}
	mw, err := middleware.New(middleware.Config{Verifier: v})
	if err != nil {
		t.Fatal(err)
	}
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := middleware.ClaimsFrom(r.Context())
		_ = json.NewEncoder(w).Encode(localEcho{
			Subject: c.Subject, ClientID: c.ClientID, TokenUse: c.TokenUse,
			Audience: c.Audience, Groups: c.Groups, Scopes: c.Scopes,
		})
	})
	mux := http.NewServeMux()
	mux.Handle("/", mw.Handler(echo))
	mux.Handle("/admins", mw.Handler(mw.RequireGroups(localGroup)(echo)))
	mux.Handle("/auditors", mw.Handler(mw.RequireGroups("auditors")(echo)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, v
}

// TestLocalTokens runs the middleware over cognito-local's access and ID
// tokens under each TokenUse, client list and group requirement.
func TestLocalTokens(t *testing.T) {
	p := localConnect(t).newPool(t)
	tests := []struct {
		name     string
		token    string // "access" or "id"
		use      cognito.TokenUse
		clients  []string // nil: the pool's client only
		groups   []string // RequiredGroups
		path     string
		wantErr  error // of Verify
		want     int   // HTTP status
		wantCode string
	}{
		{name: "access token as AccessToken", token: "access", use: cognito.AccessToken, path: "/", want: 200},
		{name: "ID token as IDToken", token: "id", use: cognito.IDToken, path: "/", want: 200},
		{name: "access token as AnyToken", token: "access", use: cognito.AnyToken, path: "/", want: 200},
		{name: "ID token as AnyToken", token: "id", use: cognito.AnyToken, path: "/", want: 200},
		{name: "access token as IDToken", token: "access", use: cognito.IDToken, path: "/",
			wantErr: provider.ErrTokenUse, want: 401, wantCode: "invalid_token"},
		{name: "ID token as AccessToken", token: "id", use: cognito.AccessToken, path: "/",
			wantErr: provider.ErrTokenUse, want: 401, wantCode: "invalid_token"},
		{name: "access token, other client", token: "access", use: cognito.AnyToken, clients: []string{"another-client"}, path: "/",
			wantErr: provider.ErrClient, want: 401, wantCode: "invalid_token"},
		{name: "ID token, other client", token: "id", use: cognito.AnyToken, clients: []string{"another-client"}, path: "/",
			wantErr: provider.ErrAudience, want: 401, wantCode: "invalid_token"},
		{name: "access token, several clients", token: "access", use: cognito.AccessToken, clients: []string{"another-client", localOwnClient}, path: "/", want: 200},
		{name: "ID token, several clients", token: "id", use: cognito.IDToken, clients: []string{"another-client", localOwnClient}, path: "/", want: 200},
		{name: "RequiredGroups held", token: "access", use: cognito.AccessToken, groups: []string{localGroup}, path: "/", want: 200},
		{name: "RequiredGroups held, ID token", token: "id", use: cognito.IDToken, groups: []string{localGroup}, path: "/", want: 200},
		{name: "RequiredGroups missing", token: "access", use: cognito.AccessToken, groups: []string{localGroup, "auditors"}, path: "/",
			wantErr: provider.ErrMissingGroup, want: 403, wantCode: "insufficient_scope"},
		{name: "group guard held", token: "access", use: cognito.AccessToken, path: "/admins", want: 200},
		// The token is valid (Verify succeeds); the route's guard refuses it.
		{name: "group guard missing", token: "id", use: cognito.IDToken, path: "/auditors", want: 403, wantCode: "insufficient_scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := p.config(tt.use)
			if tt.clients != nil {
				cfg.ClientIDs = nil
				for _, c := range tt.clients {
					if c == localOwnClient {
						c = p.ClientID
					}
					cfg.ClientIDs = append(cfg.ClientIDs, c)
				}
			}
			cfg.RequiredGroups = tt.groups
			srv, v := localServe(t, cfg)

			token := p.Access
			if tt.token == "id" {
				token = p.IDToken
			}
			if _, err := v.Verify(t.Context(), token); !localIs(err, tt.wantErr) {
				t.Errorf("Verify: %v, want %v", err, tt.wantErr)
			}
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.want {
				b, _ := io.ReadAll(resp.Body)
				t.Fatalf("status %d, want %d (WWW-Authenticate %q, body %s)",
					resp.StatusCode, tt.want, resp.Header.Get("WWW-Authenticate"), b)
			}
			if tt.want != http.StatusOK {
				if c := resp.Header.Get("WWW-Authenticate"); !strings.Contains(c, `error="`+tt.wantCode+`"`) {
					t.Errorf("WWW-Authenticate %q, want error %q", c, tt.wantCode)
				}
				return
			}
			var got localEcho
			if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
				t.Fatal(err)
			}
			localCheckClaims(t, p, tt.token, got)
		})
	}
}

// localIs is errors.Is, with a nil target matching only a nil error.
func localIs(err, target error) bool {
	if target == nil {
		return err == nil
	}
	return errors.Is(err, target)
}

// localCheckClaims checks the claims the handler saw for a token of kind
// "access" or "id" of pool p.
func localCheckClaims(t *testing.T, p *localPool, kind string, got localEcho) {
	t.Helper()
	if got.Subject != p.Sub {
		t.Errorf("sub %q, want %q", got.Subject, p.Sub)
	}
	if !slices.Contains(got.Groups, localGroup) {
		t.Errorf("groups %q, want %q among them", got.Groups, localGroup)
	}
	switch kind {
	case "access":
		// Access tokens name the client in client_id and have no aud.
		if got.TokenUse != "access" || got.ClientID != p.ClientID || len(got.Audience) != 0 {
			t.Errorf("access token claims: token_use %q client_id %q aud %q, want access, %q, none",
				got.TokenUse, got.ClientID, got.Audience, p.ClientID)
		}
		if len(got.Scopes) == 0 {
			t.Errorf("access token without scopes")
		}
	case "id":
		// ID tokens name the client in aud.
		if got.TokenUse != "id" || !slices.Equal(got.Audience, []string{p.ClientID}) {
			t.Errorf("ID token claims: token_use %q aud %q, want id, [%q]", got.TokenUse, got.Audience, p.ClientID)
		}
	}
}

// TestLocalOtherPool checks that tokens of another pool are refused:
// cognito-local signs every pool's tokens with the same key, so only the
// issuer tells them apart, as it would on AWS if two pools shared a key.
func TestLocalOtherPool(t *testing.T) {
	api := localConnect(t)
	mine, other := api.newPool(t), api.newPool(t)
	cfg := mine.config(cognito.AnyToken)
	// Accept the other pool's client too: only the issuer differs.
	cfg.ClientIDs = append(cfg.ClientIDs, other.ClientID)
	srv, v := localServe(t, cfg)

	for name, token := range map[string]string{"access": other.Access, "id": other.IDToken} {
		t.Run(name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if _, err := v.Verify(t.Context(), token); !errors.Is(err, provider.ErrUnknownIssuer) {
				t.Errorf("Verify: %v, want %v", err, provider.ErrUnknownIssuer)
			}
			if c := resp.Header.Get("WWW-Authenticate"); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(c, `error="invalid_token"`) {
				t.Errorf("other pool's %s token: status %d, WWW-Authenticate %q; want 401 invalid_token", name, resp.StatusCode, c)
			}
		})
	}
}
