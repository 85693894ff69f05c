package provider_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/reasons"
	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/provider"
)

// staticProvider is a Provider with no rules of its own, for configurations
// NewOIDC would refuse.
type staticProvider struct {
	issuer, jwks string
	algs         []string
}

func (p staticProvider) Issuer() string                  { return p.issuer }
func (p staticProvider) JWKSURL() string                 { return p.jwks }
func (p staticProvider) Algorithms() []string            { return p.algs }
func (p staticProvider) Validate(*provider.Claims) error { return nil }

// TestUnknownIssuer refuses a token whose iss is not exactly a configured
// issuer, and no issuer's keys are fetched for it.
func TestUnknownIssuer(t *testing.T) {
	iss := newIssuer(t, "RS256")
	other := newIssuer(t, "ES256")
	v := newVerifier(t, provider.VerifierConfig{Providers: []provider.Provider{oidcFor(t, iss), oidcFor(t, other, "ES256")}})
	for _, bad := range []any{"https://evil.example", iss.Issuer() + "/", strings.ToUpper(iss.Issuer()), "", nil} {
		_, err := v.Verify(context.Background(), iss.Sign("", claims(iss, jwt.MapClaims{"iss": bad})))
		wantErr(t, err, reasons.UnknownIssuer, provider.ErrInvalidToken, "unknown_issuer")
	}
	if n, m := iss.Fetches(), other.Fetches(); n != 0 || m != 0 {
		t.Errorf("issuers saw %d and %d JWKS fetches, want 0", n, m)
	}
}

// TestRouting sends each token to the provider of its iss: its keys, its
// algorithms, its rules.
func TestRouting(t *testing.T) {
	a := newIssuer(t, "RS256")
	b := testissuer.NewEmpty()
	defer b.Close()
	b.Publish(testissuer.Key{KID: "b-key", Alg: "RS256", Private: rsaKey2()})
	b.Publish(testissuer.Key{KID: "b-ec", Alg: "ES256", Private: ecKey()})
	pb := newOIDC(t, provider.OIDCConfig{Issuer: b.Issuer(), JWKSURL: b.JWKSURL(), Audiences: []string{"b-api"}, Algorithms: []string{"RS256", "ES256"}})
	v := newVerifier(t, provider.VerifierConfig{Providers: []provider.Provider{oidcFor(t, a), pb}})

	if c := verifyOK(t, v, a.Token("alice", testAudience, nil)); c.Issuer() != a.Issuer() {
		t.Errorf("token of a: Issuer %q", c.Issuer())
	}
	if c := verifyOK(t, v, b.Sign("b-ec", b.Claims("bob", "b-api", time.Hour, nil))); c.Issuer() != b.Issuer() || c.Subject() != "bob" {
		t.Errorf("token of b: Issuer %q Subject %q", c.Issuer(), c.Subject())
	}

	tests := []struct {
		name   string
		token  string
		reason error
	}{
		{"a's key claiming b", a.Sign("", b.Claims("mallory", "b-api", time.Hour, nil)), reasons.UnknownKey},
		{"b's key claiming a", b.Sign("b-key", claims(a, nil)), reasons.UnknownKey},
		{"ES256 for a, which allows only RS256", b.Sign("b-ec", claims(a, nil)), reasons.Algorithm},
		{"a's audience at b", b.Sign("b-key", b.Claims("bob", testAudience, time.Hour, nil)), reasons.Audience},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), tt.token)
			wantErr(t, err, tt.reason, provider.ErrInvalidToken, provider.Reason(tt.reason))
		})
	}
}

// TestNewVerifierErrors refuses configurations that cannot be served
// safely, and closes the caches it had made.
func TestNewVerifierErrors(t *testing.T) {
	const jwks = "https://issuer.example/.well-known/jwks.json"
	good := staticProvider{"https://issuer.example", jwks, nil}
	tests := []struct {
		name string
		cfg  provider.VerifierConfig
		want string
	}{
		{"no providers", provider.VerifierConfig{}, "Providers is empty"},
		{"nil provider", provider.VerifierConfig{Providers: []provider.Provider{good, nil}}, "nil Provider"},
		{"empty issuer", provider.VerifierConfig{Providers: []provider.Provider{staticProvider{"", jwks, nil}}}, "empty issuer"},
		{"issuer twice", provider.VerifierConfig{Providers: []provider.Provider{good, staticProvider{good.issuer, "https://other.example/jwks", nil}}}, "configured twice"},
		{"HS256", provider.VerifierConfig{Providers: []provider.Provider{staticProvider{good.issuer, jwks, []string{"RS256", "HS256"}}}}, `"HS256" not allowed`},
		{"none", provider.VerifierConfig{Providers: []provider.Provider{staticProvider{good.issuer, jwks, []string{"none"}}}}, `"none" not allowed`},
		{"unknown alg", provider.VerifierConfig{Providers: []provider.Provider{staticProvider{good.issuer, jwks, []string{"RS257"}}}}, `"RS257" not allowed`},
		{"plain http JWKS", provider.VerifierConfig{Providers: []provider.Provider{staticProvider{good.issuer, "http://issuer.example/jwks", nil}}}, "plain http"},
		{"bad cache config", provider.VerifierConfig{Providers: []provider.Provider{good}, Cache: cache.Config{Threshold: 2}}, "VerifierConfig.Cache: cache: Config.Threshold"},
		{"bad cache config, tenants only", provider.VerifierConfig{Tenants: provider.TenantsConfig{Resolver: func(context.Context, string) (provider.Provider, error) { return nil, nil }},
			Cache: cache.Config{Threshold: 2}}, "VerifierConfig.Cache: cache: Config.Threshold"},
		{"bad cache config by issuer", provider.VerifierConfig{Providers: []provider.Provider{good}, CacheByIssuer: map[string]cache.Config{good.issuer: {Strategy: "sometimes"}}},
			`VerifierConfig.CacheByIssuer["https://issuer.example"]: cache: Config.Strategy`},
		{"negative MaxTokenBytes", provider.VerifierConfig{Providers: []provider.Provider{good}, MaxTokenBytes: -1}, "must not be negative"},
		{"negative Leeway", provider.VerifierConfig{Providers: []provider.Provider{good}, Leeway: -time.Second}, "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := provider.NewVerifier(tt.cfg)
			if err == nil {
				v.Close()
				t.Fatal("NewVerifier succeeded, want an error")
			}
			if !strings.HasPrefix(err.Error(), "provider: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want one starting with provider: and mentioning %q", err, tt.want)
			}
		})
	}
}

// TestLoad fetches every provider's keys and returns the failures, each
// naming its issuer; Close is idempotent.
func TestLoad(t *testing.T) {
	up := newIssuer(t, "RS256")
	down := newIssuer(t, "RS256")
	down.SetStatus(http.StatusServiceUnavailable)
	v, err := provider.NewVerifier(provider.VerifierConfig{Providers: []provider.Provider{oidcFor(t, up), oidcFor(t, down)}})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()

	err = v.Load(context.Background())
	if err == nil || !strings.Contains(err.Error(), "HTTP 503") {
		t.Fatalf("Load: %v, want the 503 answer", err)
	}
	if msg := err.Error(); !strings.Contains(msg, down.Issuer()) || strings.Contains(msg, up.Issuer()+`"`) {
		t.Errorf("Load error %q should name %s and only it", msg, down.Issuer())
	}
	if up.Fetches() != 1 || down.Fetches() != 1 {
		t.Errorf("fetches: up %d, down %d; want 1 and 1", up.Fetches(), down.Fetches())
	}
	verifyOK(t, v, up.Token("alice", testAudience, nil))

	down.SetStatus(0)
	if err := v.Load(context.Background()); err != nil {
		t.Fatalf("Load after recovery: %v", err)
	}
	verifyOK(t, v, down.Token("alice", testAudience, nil))
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	if err := v.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// TestKeysUnavailable answers a token of an issuer whose keys cannot be
// fetched, with nothing cached, with ErrKeysUnavailable (503), not a
// token error: the token may be fine.
func TestKeysUnavailable(t *testing.T) {
	iss := newIssuer(t, "RS256")
	iss.SetStatus(http.StatusInternalServerError)
	v := verifierFor(t, oidcFor(t, iss))
	_, err := v.Verify(context.Background(), iss.Token("alice", testAudience, nil))
	wantErr(t, err, nil, provider.ErrKeysUnavailable, "keys_unavailable")
	var ke *provider.KeysUnavailableError
	if !errors.As(err, &ke) {
		t.Fatalf("error %v is not a *provider.KeysUnavailableError", err)
	}
	if ke.Issuer != iss.Issuer() || ke.Err == nil || !strings.Contains(ke.Err.Error(), "HTTP 500") {
		t.Errorf("issuer %q, cause %v; want %q and the 500 answer", ke.Issuer, ke.Err, iss.Issuer())
	}
	if !strings.HasPrefix(err.Error(), "provider: ") || !strings.Contains(err.Error(), iss.Issuer()) || strings.Contains(err.Error(), "\n") {
		t.Errorf("message %q: want one line naming the issuer", err)
	}
}

// TestAlgorithmsCopied keeps the Verifier's algorithm list apart from the
// slice a Provider returned.
func TestAlgorithmsCopied(t *testing.T) {
	iss := newIssuer(t, "RS256")
	algs := []string{"RS256"}
	v := verifierFor(t, staticProvider{iss.Issuer(), iss.JWKSURL(), algs})
	algs[0] = "ES256"
	verifyOK(t, v, iss.Token("alice", testAudience, nil))
}

// CacheByIssuer configures one provider's key cache; the others get
// Cache. Naming an issuer no provider has is an error.
func TestCacheByIssuer(t *testing.T) {
	a, b := newIssuer(t, "RS256"), newIssuer(t, "RS256")
	pa, pb := oidcFor(t, a), oidcFor(t, b)
	ha, hb := &allHooks{}, &allHooks{}
	v := newVerifier(t, provider.VerifierConfig{
		Providers:     []provider.Provider{pa, pb},
		Cache:         cache.Config{Metrics: ha.Hooks()},
		CacheByIssuer: map[string]cache.Config{b.Issuer(): {Metrics: hb.Hooks()}},
	})
	verifyOK(t, v, a.Sign("", claims(a, nil)))
	verifyOK(t, v, b.Sign("", claims(b, nil)))
	if len(ha.refreshed) != 1 || ha.refreshed[0].Issuer != a.Issuer() || len(hb.refreshed) != 1 || hb.refreshed[0].Issuer != b.Issuer() {
		t.Fatalf("refreshes: Cache's hooks %+v, CacheByIssuer's %+v", ha.refreshed, hb.refreshed)
	}
	cfg := provider.VerifierConfig{Providers: []provider.Provider{pa}, CacheByIssuer: map[string]cache.Config{b.Issuer(): {}}}
	if _, err := provider.NewVerifier(cfg); err == nil {
		t.Error("CacheByIssuer of no one: accepted")
	} else if !strings.Contains(err.Error(), "VerifierConfig.CacheByIssuer") {
		t.Errorf("CacheByIssuer of no one: %v does not name the field", err)
	}
}
