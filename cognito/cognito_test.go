package cognito_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/cognito"
	"github.com/jwtguard/jwtguard/internal/reasons"
	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/provider"
)

// TestNew validates the configuration and derives the issuer.
func TestNew(t *testing.T) {
	access := cognito.AccessToken
	clients := []string{"6bnvpjbe1h3m3vo4kvb4h0iq2"}
	tests := []struct {
		name   string
		cfg    cognito.Config
		issuer string // "": New fails
		errMsg string
	}{
		{"AWS pool", cognito.Config{Region: "eu-west-1", UserPoolID: "eu-west-1_AbCdEf123", ClientIDs: clients, TokenUse: access},
			"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123", ""},
		{"GovCloud pool", cognito.Config{Region: "us-gov-west-1", UserPoolID: "us-gov-west-1_Xy9", ClientIDs: clients, TokenUse: cognito.IDToken},
			"https://cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_Xy9", ""},
		{"any token", cognito.Config{Region: "ap-southeast-2", UserPoolID: "ap-southeast-2_abc", ClientIDs: clients, TokenUse: cognito.AnyToken},
			"https://cognito-idp.ap-southeast-2.amazonaws.com/ap-southeast-2_abc", ""},
		{"no region", cognito.Config{UserPoolID: "eu-west-1_AbC", ClientIDs: clients, TokenUse: access}, "", "Region"},
		{"upper-case region", cognito.Config{Region: "EU-WEST-1", UserPoolID: "EU-WEST-1_AbC", ClientIDs: clients, TokenUse: access}, "", "Region"},
		{"region without number", cognito.Config{Region: "eu-west", UserPoolID: "eu-west_AbC", ClientIDs: clients, TokenUse: access}, "", "Region"},
		{"region with a zone", cognito.Config{Region: "eu-west-1a", UserPoolID: "eu-west-1a_AbC", ClientIDs: clients, TokenUse: access}, "", "Region"},
		{"region with a path", cognito.Config{Region: "eu-west-1/x", UserPoolID: "eu-west-1_AbC", ClientIDs: clients, TokenUse: access}, "", "Region"},
		{"pool of another region", cognito.Config{Region: "us-east-1", UserPoolID: "eu-west-1_AbC", ClientIDs: clients, TokenUse: access}, "", "UserPoolID"},
		{"pool without region", cognito.Config{Region: "eu-west-1", UserPoolID: "AbCdEf123", ClientIDs: clients, TokenUse: access}, "", "UserPoolID"},
		{"pool without id", cognito.Config{Region: "eu-west-1", UserPoolID: "eu-west-1_", ClientIDs: clients, TokenUse: access}, "", "UserPoolID"},
		{"pool with a path", cognito.Config{Region: "eu-west-1", UserPoolID: "eu-west-1_AbC/../x", ClientIDs: clients, TokenUse: access}, "", "UserPoolID"},
		{"cognito-local pool id without endpoint", cognito.Config{Region: "eu-west-1", UserPoolID: "local_4h5PF7sN", ClientIDs: clients, TokenUse: access}, "", "UserPoolID"},
		{"no token use", cognito.Config{Region: "eu-west-1", UserPoolID: "eu-west-1_AbC", ClientIDs: clients}, "", "TokenUse is required"},
		{"refresh token use", cognito.Config{Region: "eu-west-1", UserPoolID: "eu-west-1_AbC", ClientIDs: clients, TokenUse: "refresh"}, "", "TokenUse"},
		{"no clients", cognito.Config{Region: "eu-west-1", UserPoolID: "eu-west-1_AbC", TokenUse: access}, "", "ClientIDs"},
		{"empty client", cognito.Config{Region: "eu-west-1", UserPoolID: "eu-west-1_AbC", ClientIDs: []string{"a", ""}, TokenUse: access}, "", "ClientIDs"},
		{"cognito-local", cognito.Config{Endpoint: "http://127.0.0.1:9229", UserPoolID: "local_4h5PF7sN", ClientIDs: clients, TokenUse: access},
			"http://127.0.0.1:9229/local_4h5PF7sN", ""},
		{"endpoint with trailing slash", cognito.Config{Endpoint: "http://localhost:9229/", UserPoolID: "local_4h5PF7sN", ClientIDs: clients, TokenUse: access},
			"http://localhost:9229/local_4h5PF7sN", ""},
		{"https endpoint with a path", cognito.Config{Endpoint: "https://idp.example.com/cognito", UserPoolID: "eu-west-1_AbC", ClientIDs: clients, TokenUse: access},
			"https://idp.example.com/cognito/eu-west-1_AbC", ""},
		{"endpoint over plain http off loopback", cognito.Config{Endpoint: "http://cognito.example.com", UserPoolID: "local_4h5PF7sN", ClientIDs: clients, TokenUse: access}, "", "set Config.InsecureAllowHTTP"},
		{"endpoint with a query", cognito.Config{Endpoint: "http://127.0.0.1:9229?x=1", UserPoolID: "local_4h5PF7sN", ClientIDs: clients, TokenUse: access}, "", "query"},
		{"endpoint not a URL", cognito.Config{Endpoint: "127.0.0.1:9229", UserPoolID: "local_4h5PF7sN", ClientIDs: clients, TokenUse: access}, "", "Endpoint: invalid URL \"127.0.0.1:9229\": want https://host"},
		{"endpoint without a scheme", cognito.Config{Endpoint: "cognito-local:9229", UserPoolID: "local_4h5PF7sN", ClientIDs: clients, TokenUse: access}, "", "want https://host"},
		{"no region", cognito.Config{UserPoolID: "eu-west-1_AbC", ClientIDs: clients, TokenUse: access}, "", "Config.Region is required"},
		{"plain http off loopback, asked for", cognito.Config{Endpoint: "http://cognito-local:9229", InsecureAllowHTTP: true, UserPoolID: "local_4h5PF7sN", ClientIDs: clients, TokenUse: access},
			"http://cognito-local:9229/local_4h5PF7sN", ""},
		{"endpoint and a bad pool id", cognito.Config{Endpoint: "http://127.0.0.1:9229", UserPoolID: "local 4h5", ClientIDs: clients, TokenUse: access}, "", "UserPoolID"},
		{"endpoint and a pool id with a path", cognito.Config{Endpoint: "http://127.0.0.1:9229", UserPoolID: "local_4h5/x", ClientIDs: clients, TokenUse: access}, "", "UserPoolID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := cognito.New(tt.cfg)
			if tt.issuer == "" {
				if err == nil {
					t.Fatalf("New succeeded with issuer %q", p.Issuer())
				}
				if !strings.HasPrefix(err.Error(), "cognito: ") || !strings.Contains(err.Error(), tt.errMsg) {
					t.Errorf("error %q, want one starting with cognito: and mentioning %q", err, tt.errMsg)
				}
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if p.Issuer() != tt.issuer {
				t.Errorf("Issuer() = %q, want %q", p.Issuer(), tt.issuer)
			}
			if want := tt.issuer + "/.well-known/jwks.json"; p.JWKSURL() != want {
				t.Errorf("JWKSURL() = %q, want %q", p.JWKSURL(), want)
			}
			if !slices.Equal(p.Algorithms(), []string{"RS256"}) {
				t.Errorf("Algorithms() = %q, want [RS256]", p.Algorithms())
			}
		})
	}
}

// TestConfigCopied keeps the provider's rules apart from the caller's
// slices.
func TestConfigCopied(t *testing.T) {
	clients, groups := []string{"app"}, []string{"admin"}
	p, err := cognito.New(cognito.Config{Region: "eu-west-1", UserPoolID: "eu-west-1_AbC", ClientIDs: clients, TokenUse: cognito.AccessToken, RequiredGroups: groups})
	if err != nil {
		t.Fatal(err)
	}
	clients[0], groups[0] = "evil", "nobody"
	c, err := provider.ParseClaims([]byte(`{"token_use":"access","client_id":"app","cognito:groups":["admin"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Validate(c); err != nil {
		t.Errorf("Validate after the caller changed its slices: %v", err)
	}
}

// pool is a user pool stood in for by testissuer.NewCognito: the issuer
// is <endpoint>/<pool id>, its keys at <issuer>/.well-known/jwks.json.
type pool struct {
	idp      *testissuer.Issuer
	endpoint string
}

const poolID = "local_4h5PF7sN"

func newPool(t *testing.T) *pool {
	t.Helper()
	idp := testissuer.NewCognito(poolID)
	t.Cleanup(idp.Close)
	return &pool{idp: idp, endpoint: idp.Server.URL}
}

// verifier returns a Verifier for the pool with cfg's rules.
func (p *pool) verifier(t *testing.T, cfg cognito.Config) *provider.Verifier {
	t.Helper()
	cfg.Endpoint, cfg.UserPoolID = p.endpoint, poolID
	cp, err := cognito.New(cfg)
	if err != nil {
		t.Fatalf("cognito.New: %v", err)
	}
	if cp.Issuer() != p.idp.Issuer() {
		t.Fatalf("Issuer() = %q, want %q", cp.Issuer(), p.idp.Issuer())
	}
	v, err := provider.NewVerifier(provider.VerifierConfig{Providers: []provider.Provider{cp}})
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

// accessToken and idToken are shaped like Cognito's: an access token has
// client_id and no aud, an ID token has aud.
func (p *pool) accessToken(client string, extra jwt.MapClaims) string {
	c := jwt.MapClaims{"token_use": "access", "client_id": client, "scope": "aws.cognito.signin.user.admin", "username": "alice"}
	for k, v := range extra {
		c[k] = v
	}
	return p.idp.Token("alice-sub", "", c)
}

func (p *pool) idToken(aud string, extra jwt.MapClaims) string {
	c := jwt.MapClaims{"token_use": "id", "email": "alice@example.com", "cognito:username": "alice"}
	for k, v := range extra {
		c[k] = v
	}
	return p.idp.Token("alice-sub", aud, c)
}

// TestRules runs Cognito's rules end to end: issuer, key and signature by
// the Verifier, then token_use, client and groups.
func TestRules(t *testing.T) {
	p := newPool(t)
	other := testissuer.New()
	defer other.Close()
	other.SetIssuer(p.idp.Issuer())

	base := cognito.Config{ClientIDs: []string{"app", "app2"}}
	with := func(use cognito.TokenUse, groups ...string) cognito.Config {
		c := base
		c.TokenUse, c.RequiredGroups = use, groups
		return c
	}
	admins := jwt.MapClaims{"cognito:groups": []string{"users", "admin"}}
	tests := []struct {
		name     string
		cfg      cognito.Config
		token    string
		reason   error // nil: accepted
		category error
	}{
		{"access token", with(cognito.AccessToken), p.accessToken("app", nil), nil, nil},
		{"access token of the second client", with(cognito.AccessToken), p.accessToken("app2", nil), nil, nil},
		{"access token of another client", with(cognito.AccessToken), p.accessToken("other", nil), reasons.Client, provider.ErrInvalidToken},
		{"access token without client_id", with(cognito.AccessToken), p.accessToken("", nil), reasons.Client, provider.ErrInvalidToken},
		{"access token with the client in aud only", with(cognito.AccessToken), p.idp.Token("alice-sub", "app", jwt.MapClaims{"token_use": "access"}), reasons.Client, provider.ErrInvalidToken},
		{"ID token", with(cognito.IDToken), p.idToken("app", nil), nil, nil},
		{"ID token of another client", with(cognito.IDToken), p.idToken("other", nil), reasons.Audience, provider.ErrInvalidToken},
		{"ID token with the client in client_id only", with(cognito.IDToken), p.idToken("other", jwt.MapClaims{"client_id": "app"}), reasons.Audience, provider.ErrInvalidToken},
		{"ID token where access is wanted", with(cognito.AccessToken), p.idToken("app", jwt.MapClaims{"client_id": "app"}), reasons.TokenUse, provider.ErrInvalidToken},
		{"access token where ID is wanted", with(cognito.IDToken), p.accessToken("app", jwt.MapClaims{"aud": "app"}), reasons.TokenUse, provider.ErrInvalidToken},
		{"no token_use, access wanted", with(cognito.AccessToken), p.accessToken("app", jwt.MapClaims{"token_use": nil}), reasons.TokenUse, provider.ErrInvalidToken},
		{"no token_use, ID wanted", with(cognito.IDToken), p.idToken("app", jwt.MapClaims{"token_use": nil}), reasons.TokenUse, provider.ErrInvalidToken},
		{"no token_use, any wanted", with(cognito.AnyToken), p.accessToken("app", jwt.MapClaims{"token_use": nil}), reasons.TokenUse, provider.ErrInvalidToken},
		{"refresh token_use, any wanted", with(cognito.AnyToken), p.accessToken("app", jwt.MapClaims{"token_use": "refresh"}), reasons.TokenUse, provider.ErrInvalidToken},
		{"any: access token", with(cognito.AnyToken), p.accessToken("app", nil), nil, nil},
		{"any: ID token", with(cognito.AnyToken), p.idToken("app", nil), nil, nil},
		{"any: access token of another client", with(cognito.AnyToken), p.accessToken("other", nil), reasons.Client, provider.ErrInvalidToken},
		{"any: ID token of another client", with(cognito.AnyToken), p.idToken("other", nil), reasons.Audience, provider.ErrInvalidToken},
		{"required group present", with(cognito.AccessToken, "admin"), p.accessToken("app", admins), nil, nil},
		{"required groups present", with(cognito.IDToken, "admin", "users"), p.idToken("app", admins), nil, nil},
		{"required group missing", with(cognito.AccessToken, "admin"), p.accessToken("app", jwt.MapClaims{"cognito:groups": []string{"users"}}), reasons.MissingGroup, provider.ErrInsufficientScope},
		{"one of two required groups missing", with(cognito.AccessToken, "admin", "ops"), p.accessToken("app", admins), reasons.MissingGroup, provider.ErrInsufficientScope},
		{"no groups at all", with(cognito.AccessToken, "admin"), p.accessToken("app", nil), reasons.MissingGroup, provider.ErrInsufficientScope},
		{"groups checked after the client", with(cognito.AccessToken, "admin"), p.accessToken("other", nil), reasons.Client, provider.ErrInvalidToken},
		{"another pool's issuer", with(cognito.AccessToken), p.idp.Sign("", p.idp.Claims("alice-sub", "", time.Hour, jwt.MapClaims{"iss": "http://127.0.0.1:9/local_other", "token_use": "access", "client_id": "app"})), reasons.UnknownIssuer, provider.ErrInvalidToken},
		{"signed by a key not in the pool", with(cognito.AccessToken), other.Token("alice-sub", "", jwt.MapClaims{"token_use": "access", "client_id": "app"}), reasons.UnknownKey, provider.ErrInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := p.verifier(t, tt.cfg)
			c, err := v.Verify(context.Background(), tt.token)
			if tt.reason == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if c.Subject() != "alice-sub" {
					t.Errorf("Subject = %q", c.Subject())
				}
				return
			}
			if !errors.Is(err, tt.reason) || !errors.Is(err, tt.category) {
				t.Fatalf("Verify: %v, want %v (%v)", err, tt.reason, tt.category)
			}
			if got, want := provider.Reason(err), provider.Reason(tt.reason); got != want {
				t.Errorf("Reason = %q, want %q", got, want)
			}
		})
	}
}

// Validate reads token_use, client_id and aud where they lie in the
// verified token, without a copy: accepting a token allocates nothing
// (it made 2 allocations for an ID token and 4 for an access token).
func TestValidateAllocs(t *testing.T) {
	p := newPool(t)
	for _, use := range []cognito.TokenUse{cognito.IDToken, cognito.AccessToken} {
		cp, err := cognito.New(cognito.Config{Endpoint: p.endpoint, UserPoolID: poolID, ClientIDs: []string{"app2", "app"}, TokenUse: use})
		if err != nil {
			t.Fatal(err)
		}
		v, err := provider.NewVerifier(provider.VerifierConfig{Providers: []provider.Provider{cp}})
		if err != nil {
			t.Fatal(err)
		}
		defer v.Close()
		tok := p.idToken("app", nil)
		if use == cognito.AccessToken {
			tok = p.accessToken("app", nil)
		}
		c, err := v.Verify(context.Background(), tok)
		if err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(100, func() { _ = cp.Validate(c) }); n != 0 {
			t.Errorf("%s token: %v allocations a check, want 0", use, n)
		}
	}
}

// TestOnlyRS256 refuses other algorithms: Cognito signs with RS256 only.
func TestOnlyRS256(t *testing.T) {
	p := newPool(t)
	kid := p.idp.AddKey("ES256")
	v := p.verifier(t, cognito.Config{ClientIDs: []string{"app"}, TokenUse: cognito.AccessToken})
	tok := p.idp.Sign(kid, p.idp.Claims("alice-sub", "", time.Hour, jwt.MapClaims{"token_use": "access", "client_id": "app"}))
	if _, err := v.Verify(context.Background(), tok); !errors.Is(err, reasons.Algorithm) {
		t.Errorf("ES256 token: %v, want ErrAlgorithm", err)
	}
	if n := p.idp.Fetches(); n != 0 {
		t.Errorf("%d JWKS fetches for a refused alg, want 0", n)
	}
}

// TestRulesReadExactCognitoClaims: the client of an access token is its
// client_id (Claims.ClientID falls back to azp), and RequiredGroups is the
// one group rule: cognito:groups, or groups without it.
func TestRulesReadExactCognitoClaims(t *testing.T) {
	p, err := cognito.New(cognito.Config{Region: "eu-west-1", UserPoolID: "eu-west-1_AbC", ClientIDs: []string{"app"}, TokenUse: cognito.AnyToken, RequiredGroups: []string{"admins"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		claims string
		want   error // nil: accepted
	}{
		{"client_id and cognito:groups", `{"token_use":"access","client_id":"app","cognito:groups":["admins"]}`, nil},
		{"azp instead of client_id", `{"token_use":"access","azp":"app","cognito:groups":["admins"]}`, reasons.Client},
		{"Client_Id instead of client_id", `{"token_use":"access","Client_Id":"app","cognito:groups":["admins"]}`, reasons.Client},
		{"groups instead of cognito:groups", `{"token_use":"access","client_id":"app","groups":["admins"]}`, nil},
		{"groups besides cognito:groups", `{"token_use":"access","client_id":"app","cognito:groups":["users"],"groups":["admins"]}`, reasons.MissingGroup},
		{"empty cognito:groups and groups", `{"token_use":"access","client_id":"app","cognito:groups":[],"groups":["admins"]}`, reasons.MissingGroup},
		{"Token_Use instead of token_use", `{"Token_Use":"access","client_id":"app","cognito:groups":["admins"]}`, reasons.TokenUse},
		{"ID token with cognito:groups", `{"token_use":"id","aud":"app","cognito:groups":"admins"}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := provider.ParseClaims([]byte(tt.claims))
			if err != nil {
				t.Fatal(err)
			}
			err = p.Validate(c)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Validate: %v, want %v", err, tt.want)
			}
		})
	}
}

// A pool behind a plain-http endpoint off loopback (cognito-local in Docker
// Compose, "http://cognito-local:9229"): InsecureAllowHTTP on the pool is
// the one setting needed, for the issuer and the key fetches.
func TestPlainHTTPEndpoint(t *testing.T) {
	p := newPool(t)
	u, err := url.Parse(p.endpoint)
	if err != nil {
		t.Fatal(err)
	}
	const host = "cognito-local.test"
	endpoint := "http://" + host + ":" + u.Port()
	p.idp.SetIssuer(endpoint + "/" + poolID)
	// The network resolves cognito-local.test to the pool's server.
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, u.Host)
	}
	client := &http.Client{Transport: &http.Transport{DialContext: dial}}
	cfg := cognito.Config{Endpoint: endpoint, UserPoolID: poolID, ClientIDs: []string{"app"}, TokenUse: cognito.AccessToken}
	if _, err := cognito.New(cfg); err == nil || !strings.Contains(err.Error(), "Config.InsecureAllowHTTP") {
		t.Fatalf("plain http off loopback without the setting: %v", err)
	}
	cfg.InsecureAllowHTTP = true
	cp, err := cognito.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	v, err := provider.NewVerifier(provider.VerifierConfig{Providers: []provider.Provider{cp}, Cache: cache.Config{HTTPClient: client}})
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	defer v.Close()
	if _, err := v.Verify(context.Background(), p.accessToken("app", nil)); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}
