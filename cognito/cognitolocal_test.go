package cognito_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/cognito"
	"github.com/jwtguard/jwtguard/internal/cognitolocal"
	"github.com/jwtguard/jwtguard/internal/reasons"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/provider"
)

// The tests in this file run against cognito-local (npm cognito-local
// 5.x), a Cognito stand-in: they create a user pool, an app client and a
// user through its JSON API, sign in, and verify the tokens it issues.
// They skip unless COGNITO_LOCAL_URL is set (see package
// internal/cognitolocal), e.g.
//
//	(cd "$(mktemp -d)" && HOST=127.0.0.1 PORT=9229 npx cognito-local) &
//	COGNITO_LOCAL_URL=http://127.0.0.1:9229 go test -run Local ./cognito/

// localGroup is the group the test user is added to.
const localGroup = "admins"

// localOwnClient, in a test case's client list, stands for the pool's app
// client.
const localOwnClient = "(own client)"

// localPool is a user pool created in cognito-local, with one app client
// and one user in localGroup, signed in.
type localPool struct {
	*cognitolocal.Pool
	cognitolocal.User
}

// newLocalPool creates a pool, an app client allowed to sign in with a
// password, a user in localGroup, and signs the user in.
func newLocalPool(t *testing.T, api *cognitolocal.API) *localPool {
	t.Helper()
	pool := api.NewPool(t, localGroup)
	return &localPool{Pool: pool, User: pool.Login(t, "user@example.com", localGroup)}
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
	p := newLocalPool(t, cognitolocal.Connect(t))
	prov, err := cognito.New(p.config(cognito.AnyToken))
	if err != nil {
		t.Fatal(err)
	}
	if want := p.URL + "/" + p.ID; prov.Issuer() != want {
		t.Errorf("Issuer() = %q, want %q", prov.Issuer(), want)
	}

	var kids []string
	for name, token := range map[string]string{"access": p.AccessToken, "id": p.IDToken} {
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
		c := middleware.FromContext(r.Context())
		_ = json.NewEncoder(w).Encode(localEcho{
			Subject: c.Subject(), ClientID: c.ClientID(), TokenUse: string(cognito.TokenUseOf(c)),
			Audience: c.Audience(), Groups: c.Groups(), Scopes: c.Scopes(),
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
	p := newLocalPool(t, cognitolocal.Connect(t))
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
			wantErr: reasons.TokenUse, want: 401, wantCode: "invalid_token"},
		{name: "ID token as AccessToken", token: "id", use: cognito.AccessToken, path: "/",
			wantErr: reasons.TokenUse, want: 401, wantCode: "invalid_token"},
		{name: "access token, other client", token: "access", use: cognito.AnyToken, clients: []string{"another-client"}, path: "/",
			wantErr: reasons.Client, want: 401, wantCode: "invalid_token"},
		{name: "ID token, other client", token: "id", use: cognito.AnyToken, clients: []string{"another-client"}, path: "/",
			wantErr: reasons.Audience, want: 401, wantCode: "invalid_token"},
		{name: "access token, several clients", token: "access", use: cognito.AccessToken, clients: []string{"another-client", localOwnClient}, path: "/", want: 200},
		{name: "ID token, several clients", token: "id", use: cognito.IDToken, clients: []string{"another-client", localOwnClient}, path: "/", want: 200},
		{name: "RequiredGroups held", token: "access", use: cognito.AccessToken, groups: []string{localGroup}, path: "/", want: 200},
		{name: "RequiredGroups held, ID token", token: "id", use: cognito.IDToken, groups: []string{localGroup}, path: "/", want: 200},
		{name: "RequiredGroups missing", token: "access", use: cognito.AccessToken, groups: []string{localGroup, "auditors"}, path: "/",
			wantErr: reasons.MissingGroup, want: 403, wantCode: "insufficient_scope"},
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

			token := p.AccessToken
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
	api := cognitolocal.Connect(t)
	mine, other := newLocalPool(t, api), newLocalPool(t, api)
	cfg := mine.config(cognito.AnyToken)
	// Accept the other pool's client too: only the issuer differs.
	cfg.ClientIDs = append(cfg.ClientIDs, other.ClientID)
	srv, v := localServe(t, cfg)

	for name, token := range map[string]string{"access": other.AccessToken, "id": other.IDToken} {
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
			if _, err := v.Verify(t.Context(), token); !errors.Is(err, reasons.UnknownIssuer) {
				t.Errorf("Verify: %v, want %v", err, reasons.UnknownIssuer)
			}
			if c := resp.Header.Get("WWW-Authenticate"); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(c, `error="invalid_token"`) {
				t.Errorf("other pool's %s token: status %d, WWW-Authenticate %q; want 401 invalid_token", name, resp.StatusCode, c)
			}
		})
	}
}
