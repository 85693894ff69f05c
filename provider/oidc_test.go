package provider_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/internal/reasons"
	"github.com/jwtguard/jwtguard/internal/safehttp"
	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/provider"
)

// TestOIDCDiscovery finds the JWKS URL in the issuer's OpenID
// configuration, over loopback http and over https with the given client.
func TestOIDCDiscovery(t *testing.T) {
	t.Run("loopback http", func(t *testing.T) {
		iss := newIssuer(t, "RS256")
		p := newOIDC(t, provider.OIDCConfig{Issuer: iss.Issuer(), Audiences: []string{testAudience}})
		if p.JWKSURL() != iss.JWKSURL() || p.Issuer() != iss.Issuer() {
			t.Errorf("JWKSURL %q Issuer %q, want %q %q", p.JWKSURL(), p.Issuer(), iss.JWKSURL(), iss.Issuer())
		}
		verifyOK(t, verifierFor(t, p), iss.Token("alice", testAudience, nil))
	})
	t.Run("https", func(t *testing.T) {
		iss := testissuer.NewTLS()
		defer iss.Close()
		cfg := provider.OIDCConfig{Issuer: iss.Issuer(), Audiences: []string{testAudience}}
		if _, err := provider.NewOIDC(context.Background(), cfg); err == nil {
			t.Error("discovery trusted the test server's certificate without its client")
		}
		cfg.HTTPClient = iss.Server.Client()
		p := newOIDC(t, cfg)
		if p.JWKSURL() != iss.JWKSURL() {
			t.Errorf("JWKSURL %q, want %q", p.JWKSURL(), iss.JWKSURL())
		}
	})
	t.Run("JWKSURL given: no discovery", func(t *testing.T) {
		p := newOIDC(t, provider.OIDCConfig{Issuer: "https://idp.invalid", JWKSURL: "https://idp.invalid/keys", Audiences: []string{"a"}})
		if p.JWKSURL() != "https://idp.invalid/keys" {
			t.Errorf("JWKSURL %q", p.JWKSURL())
		}
	})
}

// TestOIDCDiscoveryErrors refuses a configuration document that cannot be
// trusted or used.
func TestOIDCDiscoveryErrors(t *testing.T) {
	// docServer answers the configuration request with status and the
	// document doc returns for the server's own URL.
	docServer := func(t *testing.T, status int, doc func(url string) string) *httptest.Server {
		t.Helper()
		var srv *httptest.Server
		srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != testissuer.ConfigPath {
				http.NotFound(w, r)
				return
			}
			w.WriteHeader(status)
			fmt.Fprint(w, doc(srv.URL))
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	withJWKS := func(jwks string) func(string) string {
		return func(u string) string { return fmt.Sprintf(`{"issuer":%q,"jwks_uri":%q}`, u, jwks) }
	}
	other := httptest.NewServer(http.NotFoundHandler())
	defer other.Close()

	tests := []struct {
		name    string
		server  func(t *testing.T) *httptest.Server // nil: issuer below
		issuer  string
		want    string
		wantErr error
	}{
		{name: "plain http off loopback", issuer: "http://idp.example.com", want: "plain http"},
		{name: "not a URL", issuer: "https://idp example.com", want: "invalid URL"},
		{name: "issuer mismatch", server: func(t *testing.T) *httptest.Server {
			return docServer(t, 200, func(u string) string {
				return fmt.Sprintf(`{"issuer":"https://other.example","jwks_uri":%q}`, u+"/jwks")
			})
		}, want: "does not match"},
		{name: "issuer differs by a trailing slash", server: func(t *testing.T) *httptest.Server {
			return docServer(t, 200, func(u string) string { return fmt.Sprintf(`{"issuer":%q,"jwks_uri":%q}`, u+"/", u+"/jwks") })
		}, want: "does not match"},
		{name: "jwks_uri plain http off loopback", server: func(t *testing.T) *httptest.Server {
			return docServer(t, 200, withJWKS("http://keys.example.com/jwks"))
		}, want: "jwks_uri"},
		{name: "jwks_uri missing", server: func(t *testing.T) *httptest.Server {
			return docServer(t, 200, func(u string) string { return fmt.Sprintf(`{"issuer":%q}`, u) })
		}, want: "jwks_uri"},
		{name: "jwks_uri another scheme", server: func(t *testing.T) *httptest.Server {
			return docServer(t, 200, withJWKS("ftp://keys.example.com/jwks"))
		}, want: "jwks_uri"},
		{name: "not found", server: func(t *testing.T) *httptest.Server {
			return docServer(t, http.StatusNotFound, withJWKS("https://keys.example.com/jwks"))
		}, want: "HTTP 404"},
		{name: "server error", server: func(t *testing.T) *httptest.Server {
			return docServer(t, http.StatusInternalServerError, withJWKS("https://keys.example.com/jwks"))
		}, want: "HTTP 500"},
		{name: "not JSON", server: func(t *testing.T) *httptest.Server {
			return docServer(t, 200, func(string) string { return "<html>" })
		}, want: "invalid character"},
		{name: "oversized", server: func(t *testing.T) *httptest.Server {
			return docServer(t, 200, func(u string) string {
				return fmt.Sprintf(`{"issuer":%q,"jwks_uri":%q,"pad":%q}`, u, u+"/jwks", strings.Repeat("x", 300<<10))
			})
		}, wantErr: safehttp.ErrTooLarge},
		{name: "redirect to another host", server: func(t *testing.T) *httptest.Server {
			srv := httptest.NewServer(http.RedirectHandler(other.URL+testissuer.ConfigPath, http.StatusFound))
			t.Cleanup(srv.Close)
			return srv
		}, want: "another host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			issuer := tt.issuer
			if tt.server != nil {
				issuer = tt.server(t).URL
			}
			p, err := provider.NewOIDC(context.Background(), provider.OIDCConfig{Issuer: issuer, Audiences: []string{"a"}})
			if err == nil {
				t.Fatalf("NewOIDC succeeded with JWKS URL %q", p.JWKSURL())
			}
			if !strings.HasPrefix(err.Error(), "provider: discovery") {
				t.Errorf("error %q does not start with provider: discovery", err)
			}
			if tt.want != "" && !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %q does not match %v", err, tt.wantErr)
			}
		})
	}

	t.Run("insecure http jwks_uri allowed when asked", func(t *testing.T) {
		srv := docServer(t, 200, withJWKS("http://keys.example.com/jwks"))
		p, err := provider.NewOIDC(context.Background(), provider.OIDCConfig{Issuer: srv.URL, Audiences: []string{"api"}, InsecureAllowHTTP: true})
		if err != nil || p.JWKSURL() != "http://keys.example.com/jwks" {
			t.Errorf("NewOIDC: %v", err)
		}
	})
	t.Run("context canceled", func(t *testing.T) {
		iss := newIssuer(t, "RS256")
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := provider.NewOIDC(ctx, provider.OIDCConfig{Issuer: iss.Issuer(), Audiences: []string{"api"}})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("discovery with a canceled context: %v", err)
		}
	})
}

// TestOIDCConfig validates the configuration.
func TestOIDCConfig(t *testing.T) {
	const jwks = "https://idp.example/keys"
	tests := []struct {
		name string
		cfg  provider.OIDCConfig
		want string // "" : valid
	}{
		{"valid", provider.OIDCConfig{Issuer: "https://idp.example", JWKSURL: jwks, Audiences: []string{"api"}}, ""},
		{"no issuer", provider.OIDCConfig{JWKSURL: jwks, Audiences: []string{"api"}}, "Issuer is required"},
		{"no audience", provider.OIDCConfig{Issuer: "https://idp.example", JWKSURL: jwks}, "Audiences is required"},
		{"no audience, check skipped", provider.OIDCConfig{Issuer: "https://idp.example", JWKSURL: jwks, InsecureSkipAudienceCheck: true}, ""},
		{"HS256", provider.OIDCConfig{Issuer: "https://idp.example", JWKSURL: jwks, Audiences: []string{"api"}, Algorithms: []string{"HS256"}}, `"HS256" not allowed`},
		{"none", provider.OIDCConfig{Issuer: "https://idp.example", JWKSURL: jwks, Audiences: []string{"api"}, Algorithms: []string{"none"}}, `"none" not allowed`},
		{"JWKS URL over plain http", provider.OIDCConfig{Issuer: "https://idp.example", JWKSURL: "http://idp.example/keys", Audiences: []string{"api"}}, "JWKSURL: refusing plain http URL \"http://idp.example/keys\": use https, or set OIDCConfig.InsecureAllowHTTP"},
		{"JWKS URL over plain http, asked for", provider.OIDCConfig{Issuer: "https://idp.example", JWKSURL: "http://idp.example/keys", Audiences: []string{"api"}, InsecureAllowHTTP: true}, ""},
		{"JWKS URL not a URL", provider.OIDCConfig{Issuer: "https://idp.example", JWKSURL: "idp.example/keys", Audiences: []string{"api"}}, "JWKSURL: invalid URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := provider.NewOIDC(context.Background(), tt.cfg)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("NewOIDC: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "provider: ")):
				t.Errorf("NewOIDC: %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
}

// TestOIDCValidate checks the audience, then the configured rule, end to
// end; the configuration is copied, not shared with the caller.
func TestOIDCValidate(t *testing.T) {
	iss := newIssuer(t, "RS256")
	errNoOrders := fmt.Errorf("%w: want scope orders", provider.ErrInsufficientScope)
	rule := func(c *provider.Claims) error {
		if !c.HasScope("orders") {
			return errNoOrders
		}
		return nil
	}
	auds := []string{testAudience}
	checked := newOIDC(t, provider.OIDCConfig{Issuer: iss.Issuer(), JWKSURL: iss.JWKSURL(), Audiences: auds, Validate: rule})
	auds[0] = "https://changed.example"
	v := verifierFor(t, checked)

	verifyOK(t, v, iss.Token("alice", testAudience, jwt.MapClaims{"scope": "orders"}))
	_, err := v.Verify(context.Background(), iss.Token("alice", testAudience, jwt.MapClaims{"scope": "profile"}))
	if err != errNoOrders {
		t.Errorf("rule failing: %v, want the rule's error as is", err)
	}
	wantErr(t, err, nil, provider.ErrInsufficientScope, "insufficient_scope")
	_, err = v.Verify(context.Background(), iss.Token("alice", "https://changed.example", jwt.MapClaims{"scope": "profile"}))
	wantErr(t, err, reasons.Audience, provider.ErrInvalidToken, "audience")

	skipped := verifierFor(t, newOIDC(t, provider.OIDCConfig{Issuer: iss.Issuer(), JWKSURL: iss.JWKSURL(), InsecureSkipAudienceCheck: true, Validate: rule}))
	verifyOK(t, skipped, iss.Token("alice", "https://any.example", jwt.MapClaims{"scope": "orders"}))
	_, err = skipped.Verify(context.Background(), iss.Token("alice", "https://any.example", nil))
	wantErr(t, err, nil, provider.ErrInsufficientScope, "insufficient_scope")

	// A provider's rule sees verified claims only.
	_, err = v.Verify(context.Background(), iss.Sign("", claims(iss, jwt.MapClaims{"scope": "orders", "exp": time.Now().Add(-time.Hour).Unix()})))
	wantErr(t, err, provider.ErrExpired, provider.ErrInvalidToken, "expired")

}

// TestDiscoveryHardening: an empty audience is refused, an https issuer
// may not send the key fetch to plain http (even on loopback), and
// discovery without a deadline still ends.
func TestDiscoveryHardening(t *testing.T) {
	if _, err := provider.NewOIDC(context.Background(), provider.OIDCConfig{
		Issuer: "https://issuer.example.com", JWKSURL: "https://issuer.example.com/jwks", Audiences: []string{"api", ""},
	}); err == nil {
		t.Error("NewOIDC accepted an empty audience")
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"issuer":"https://` + r.Host + `","jwks_uri":"http://127.0.0.1:6379/internal"}`))
	}))
	defer srv.Close()
	_, err := provider.NewOIDC(context.Background(), provider.OIDCConfig{Issuer: srv.URL, Audiences: []string{"api"}, HTTPClient: srv.Client()})
	if err == nil || !strings.Contains(err.Error(), "not https") {
		t.Errorf("https issuer with an http jwks_uri: %v", err)
	}
}

// InsecureAllowHTTP reaches the Verifier: the key cache of NewOIDC's
// Provider takes its plain http JWKS URL off loopback; a wrapper that does
// not forward PlainHTTP is refused, naming it.
func TestOIDCPlainHTTPReachesVerifier(t *testing.T) {
	p, err := provider.NewOIDC(context.Background(), provider.OIDCConfig{Issuer: "https://idp.example", JWKSURL: "http://idp.example/keys", Audiences: []string{"api"}, InsecureAllowHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	v, err := provider.NewVerifier(provider.VerifierConfig{Providers: []provider.Provider{p}})
	if err != nil {
		t.Fatalf("NewVerifier refused the plain http JWKS URL its provider allows: %v", err)
	}
	v.Close()
	wrapped := struct{ provider.Provider }{p}
	if _, err := provider.NewVerifier(provider.VerifierConfig{Providers: []provider.Provider{wrapped}}); err == nil || !strings.Contains(err.Error(), "PlainHTTP") {
		t.Errorf("a wrapper without PlainHTTP: %v, want a refusal naming provider.PlainHTTP", err)
	}
}
