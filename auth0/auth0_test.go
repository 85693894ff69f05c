package auth0_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/auth0"
	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/reasons"
	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/provider"
)

// TestDomain normalizes the forms a tenant domain is written in and
// refuses anything that is not a bare https host.
func TestDomain(t *testing.T) {
	tests := []struct {
		in, want string // want "": an error
	}{
		{"example.eu.auth0.com", "example.eu.auth0.com"},
		{"example.eu.auth0.com/", "example.eu.auth0.com"},
		{"https://example.eu.auth0.com", "example.eu.auth0.com"},
		{"https://example.eu.auth0.com/", "example.eu.auth0.com"},
		{"login.example.com", "login.example.com"},
		{"https://Login.Example.COM/", "login.example.com"},
		{"HTTPS://login.example.com", "login.example.com"},
		{"login.example.com:8443", "login.example.com:8443"},
		{"https://example.eu.auth0.com:443/", "example.eu.auth0.com"},
		{"example.eu.auth0.com.", ""},
		{"https://example.eu.auth0.com.:443", ""},
		{"http://example.eu.auth0.com", ""},
		{"http://example.eu.auth0.com/", ""},
		{"ftp://example.eu.auth0.com", ""},
		{"example.eu.auth0.com/api", ""},
		{"https://example.eu.auth0.com/api/v2/", ""},
		{"example.eu.auth0.com//", ""},
		{"example.eu.auth0.com?x=1", ""},
		{"example.eu.auth0.com?", ""},
		{"example.eu.auth0.com/?", ""},
		{"example.eu.auth0.com#top", ""},
		{"example.eu.auth0.com#", ""},
		{"user@example.eu.auth0.com", ""},
		{"https://user:pw@example.eu.auth0.com/", ""},
		{"", ""},
		{"https://", ""},
		{"https:///example.eu.auth0.com", ""},
		{"//example.eu.auth0.com", ""},
		{"exa mple.auth0.com", ""},
		{" example.eu.auth0.com", ""},
		{"example.eu.auth0.com ", ""},
		{"example.eu.auth0.com\t", ""},
		{"example.eu.auth0.com:port", ""},
	}
	for _, tt := range tests {
		got, err := auth0.Domain(tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("Domain(%q) = %q, want an error", tt.in, got)
			} else if !strings.HasPrefix(err.Error(), "auth0: ") {
				t.Errorf("Domain(%q): error %q does not start with auth0:", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Domain(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// TestNew derives the issuer (with Auth0's trailing slash) and URLs, and
// validates the configuration.
func TestNew(t *testing.T) {
	p, err := auth0.New(auth0.Config{Domain: "https://Example.EU.auth0.com/", Audiences: []string{"https://api.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, got, want string }{
		{"Issuer", p.Issuer(), "https://example.eu.auth0.com/"},
		{"JWKSURL", p.JWKSURL(), "https://example.eu.auth0.com/.well-known/jwks.json"},
	} {
		if c.got != c.want {
			t.Errorf("%s() = %q, want %q", c.name, c.got, c.want)
		}
	}
	if p.Algorithms() != nil {
		t.Errorf("Algorithms() = %q, want nil (RS256)", p.Algorithms())
	}

	bad := []struct {
		name string
		cfg  auth0.Config
		want string
	}{
		{"no domain", auth0.Config{Audiences: []string{"a"}}, "domain"},
		{"http domain", auth0.Config{Domain: "http://example.eu.auth0.com", Audiences: []string{"a"}}, "https only"},
		{"no audience", auth0.Config{Domain: "example.eu.auth0.com"}, "Audiences"},
		{"empty audience", auth0.Config{Domain: "example.eu.auth0.com", Audiences: []string{"a", ""}}, "Audiences"},
		{"HS256", auth0.Config{Domain: "example.eu.auth0.com", Audiences: []string{"a"}, Algorithms: []string{"HS256"}}, "HS256"},
		{"none", auth0.Config{Domain: "example.eu.auth0.com", Audiences: []string{"a"}, Algorithms: []string{"none"}}, "none"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := auth0.New(tt.cfg); err == nil || !strings.HasPrefix(err.Error(), "auth0: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New: %v, want an auth0 error mentioning %q", err, tt.want)
			}
		})
	}
}

const api = "https://api.example.com"

// tenant is an Auth0 tenant played by an testissuer issuer over https,
// the domain being its host:port.
type tenant struct {
	idp *testissuer.Issuer
	p   provider.Provider
	v   *provider.Verifier
}

func newTenant(t *testing.T, cfg auth0.Config) *tenant {
	t.Helper()
	idp := testissuer.NewTLS()
	t.Cleanup(idp.Close)
	u, err := url.Parse(idp.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Domain = u.Host
	if cfg.Audiences == nil {
		cfg.Audiences = []string{api}
	}
	p, err := auth0.New(cfg)
	if err != nil {
		t.Fatalf("auth0.New: %v", err)
	}
	if want := idp.URL + "/"; p.Issuer() != want {
		t.Fatalf("Issuer() = %q, want %q", p.Issuer(), want)
	}
	idp.SetIssuer(p.Issuer())
	v, err := provider.NewVerifier(provider.VerifierConfig{
		Providers: []provider.Provider{p},
		Cache:     cache.Config{HTTPClient: idp.Server.Client()},
	})
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	t.Cleanup(func() { v.Close() })
	return &tenant{idp: idp, p: p, v: v}
}

// TestVerify runs Auth0 tokens through a Verifier end to end.
func TestVerify(t *testing.T) {
	tn := newTenant(t, auth0.Config{Audiences: []string{api, "https://api2.example.com"}})
	userinfo := tn.p.Issuer() + "userinfo"
	tests := []struct {
		name   string
		aud    any
		extra  jwt.MapClaims
		reason error // nil: accepted
	}{
		{"aud a string", api, nil, nil},
		{"aud the second API", "https://api2.example.com", nil, nil},
		{"aud an array", []string{api, userinfo}, nil, nil},
		{"aud an array, ours last", []string{userinfo, api}, nil, nil},
		{"another API", "https://other.example.com", nil, reasons.Audience},
		{"userinfo only", []string{userinfo}, nil, reasons.Audience},
		{"API with a trailing slash", api + "/", nil, reasons.Audience},
		{"no aud", nil, nil, reasons.Audience},
		{"expired", api, jwt.MapClaims{"exp": 1}, provider.ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tn.idp.Claims("auth0|alice", "", time.Hour, tt.extra)
			if tt.aud != nil {
				c["aud"] = tt.aud
			}
			claims, err := tn.v.Verify(context.Background(), tn.idp.Sign("", c))
			if tt.reason != nil {
				if !errors.Is(err, tt.reason) || !errors.Is(err, provider.ErrInvalidToken) {
					t.Fatalf("Verify: %v, want %v", err, tt.reason)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if claims.Issuer() != tn.p.Issuer() || claims.Subject() != "auth0|alice" {
				t.Errorf("Issuer %q Subject %q", claims.Issuer(), claims.Subject())
			}
		})
	}
}

// TestIssuerTrailingSlash refuses a token whose iss lacks the trailing
// slash Auth0 writes: it is another issuer.
func TestIssuerTrailingSlash(t *testing.T) {
	tn := newTenant(t, auth0.Config{})
	tn.idp.SetIssuer(strings.TrimSuffix(tn.p.Issuer(), "/"))
	_, err := tn.v.Verify(context.Background(), tn.idp.Token("auth0|alice", api, nil))
	if !errors.Is(err, reasons.UnknownIssuer) {
		t.Fatalf("Verify: %v, want ErrUnknownIssuer", err)
	}
	if n := tn.idp.Fetches(); n != 0 {
		t.Errorf("%d JWKS fetches for an unknown issuer, want 0", n)
	}
}

// TestScopesAndPermissions reads Auth0's scope (space-separated, in
// Claims) and RBAC permissions (an array, Permissions), and tells
// machine-to-machine tokens apart.
func TestScopesAndPermissions(t *testing.T) {
	tn := newTenant(t, auth0.Config{})
	user, err := tn.v.Verify(context.Background(), tn.idp.Token("auth0|alice", api, jwt.MapClaims{
		"azp": "spa", "scope": "openid profile read:orders", "permissions": []string{"read:orders", "delete:orders"},
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(user.Scopes(), []string{"openid", "profile", "read:orders"}) || !slices.Equal(auth0.Permissions(user), []string{"read:orders", "delete:orders"}) {
		t.Errorf("Scopes %q Permissions %q", user.Scopes(), auth0.Permissions(user))
	}
	if user.HasScope("delete:orders") || user.ClientID() != "spa" {
		t.Errorf("HasScope/ClientID wrong: %+v", user)
	}
	if auth0.MachineToMachine(user) {
		t.Error("MachineToMachine(user token) = true")
	}

	// A client-credentials token, minted by the token endpoint.
	resp, err := tn.idp.Server.Client().PostForm(tn.idp.URL+testissuer.TokenPath, url.Values{
		"grant_type": {"client_credentials"}, "client_id": {"m2m"}, "client_secret": {"s"},
		"audience": {api}, "scope": {"read:orders"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil {
		t.Fatal(err)
	}
	m2m, err := tn.v.Verify(context.Background(), tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if !auth0.MachineToMachine(m2m) || m2m.ClientID() != "m2m" || m2m.Subject() != "m2m@clients" || !m2m.HasScope("read:orders") || auth0.Permissions(m2m) != nil {
		t.Errorf("m2m claims: %+v", m2m)
	}
}

// TestAlgorithms accepts PS256 when configured, and then only it.
func TestAlgorithms(t *testing.T) {
	tn := newTenant(t, auth0.Config{Algorithms: []string{"PS256"}})
	kid := tn.idp.AddKey("PS256")
	if _, err := tn.v.Verify(context.Background(), tn.idp.Sign(kid, tn.idp.Claims("auth0|alice", api, time.Hour, nil))); err != nil {
		t.Errorf("PS256 token: %v", err)
	}
	if _, err := tn.v.Verify(context.Background(), tn.idp.Token("auth0|alice", api, nil)); !errors.Is(err, reasons.Algorithm) {
		t.Errorf("RS256 token: %v, want ErrAlgorithm", err)
	}
}

// With RFC9068, only at+jwt access tokens pass: an ID token of the tenant
// whose aud happens to name the API is refused.
func TestRFC9068(t *testing.T) {
	tn := newTenant(t, auth0.Config{RFC9068: true})
	claims := tn.idp.Claims("alice", api, time.Hour, nil)
	for typ, ok := range map[any]bool{"at+jwt": true, "application/at+jwt": true, "AT+JWT": true, "JWT": false, nil: false} {
		tok := tn.idp.SignWithHeader("", map[string]any{"typ": typ}, claims)
		_, err := tn.v.Verify(context.Background(), tok)
		if ok && err != nil || !ok && !errors.Is(err, reasons.Type) {
			t.Errorf("typ %v: %v, want accepted %v", typ, err, ok)
		}
	}
}

// The type and audience checks run on every new token: they read the
// claims where they lie, without a copy.
func TestValidateAllocs(t *testing.T) {
	tn := newTenant(t, auth0.Config{RFC9068: true, Audiences: []string{"https://other.example.com", api}})
	c, err := tn.v.Verify(context.Background(), tn.idp.SignWithHeader("", map[string]any{"typ": "at+jwt"}, tn.idp.Claims("alice", api, time.Hour, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _ = tn.p.Validate(c) }); n != 0 {
		t.Errorf("%v allocations a check, want none", n)
	}
}
