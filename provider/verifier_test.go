package provider_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/internal/reasons"
	"github.com/jwtguard/jwtguard/provider"
)

// TestVerifyKeyTypes verifies a token signed by each kind of key the
// issuer publishes: RSA (RS256 and PS256), EC P-256 and Ed25519.
func TestVerifyKeyTypes(t *testing.T) {
	iss := newIssuer(t, allAlgs...)
	v := verifierFor(t, oidcFor(t, iss, allAlgs...))
	for _, alg := range allAlgs {
		t.Run(alg, func(t *testing.T) {
			exp := time.Now().Add(time.Hour).Truncate(time.Second)
			c := verifyOK(t, v, iss.Sign(alg+"-key", claims(iss, jwt.MapClaims{"exp": exp.Unix(), "sub": "sub-" + alg})))
			if c.Subject() != "sub-"+alg || c.Issuer() != iss.Issuer() || !c.ExpiresAt().Equal(exp) {
				t.Errorf("claims: sub %q iss %q exp %v, want %q %q %v", c.Subject(), c.Issuer(), c.ExpiresAt(), "sub-"+alg, iss.Issuer(), exp)
			}
			if !slices.Equal(c.Audience(), []string{testAudience}) {
				t.Errorf("Audience = %q, want [%q]", c.Audience(), testAudience)
			}
		})
	}
}

// TestVerifyReasons rejects one token for every reason Verify can give,
// checks each error's reason, category and code, and checks that the table
// covers every code Reasons lists that Verify can return.
func TestVerifyReasons(t *testing.T) {
	iss := newIssuer(t, "RS256")
	down := newIssuer(t, "RS256")
	down.SetStatus(http.StatusInternalServerError)
	typed := newIssuer(t, "RS256") // its tokens must be RFC 9068 access tokens
	use := func(c *provider.Claims) string { u, _ := c.LookupString("token_use"); return u }
	rule := func(c *provider.Claims) error {
		switch {
		case c.Subject() == "":
			return fmt.Errorf("%w: sub is required", reasons.Claims)
		case use(c) != "access":
			return fmt.Errorf("%w: %q", reasons.TokenUse, use(c))
		case c.ClientID() != "app":
			return fmt.Errorf("%w: %q", reasons.Client, c.ClientID())
		case !c.HasGroup("admin"):
			return fmt.Errorf("%w: admin", reasons.MissingGroup)
		}
		return nil
	}
	withRule := func(p provider.Provider) provider.OIDCConfig {
		return provider.OIDCConfig{Issuer: p.Issuer(), JWKSURL: p.JWKSURL(), Audiences: []string{testAudience}, Validate: rule}
	}
	v := newVerifier(t, provider.VerifierConfig{Providers: []provider.Provider{
		newOIDC(t, withRule(oidcFor(t, iss))),
		newOIDC(t, withRule(oidcFor(t, down))),
		newOIDC(t, provider.OIDCConfig{Issuer: typed.Issuer(), JWKSURL: typed.JWKSURL(), Audiences: []string{testAudience}, Type: "at+jwt"}),
	}})
	good := jwt.MapClaims{"token_use": "access", "client_id": "app", "groups": []string{"admin"}}
	token := func(extra jwt.MapClaims) string {
		c := claims(iss, good)
		for k, val := range extra {
			if val == nil {
				delete(c, k)
			} else {
				c[k] = val
			}
		}
		return iss.Sign("", c)
	}
	valid := token(nil)
	verifyOK(t, v, valid)

	parts := strings.Split(valid, ".")
	forged, _ := json.Marshal(claims(iss, jwt.MapClaims{"sub": "mallory", "token_use": "access", "client_id": "app", "groups": []string{"admin"}}))
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(forged) + "." + parts[2]

	tests := []struct {
		name     string
		token    string
		reason   error // nil: the category alone
		category error
		code     string
	}{
		{"no token", "", nil, provider.ErrNoToken, "no_token"},
		{"too large", strings.Repeat("a", defaultMaxTokenBytes+1), reasons.TooLarge, provider.ErrInvalidToken, "too_large"},
		{"malformed", "abc.def", reasons.Malformed, provider.ErrInvalidToken, "malformed"},
		{"unknown issuer", token(jwt.MapClaims{"iss": "https://evil.example"}), reasons.UnknownIssuer, provider.ErrInvalidToken, "unknown_issuer"},
		{"algorithm", sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, map[string]any{"kid": iss.KID()}, claims(iss, good)), reasons.Algorithm, provider.ErrInvalidToken, "algorithm"},
		{"kid", sign(t, jwt.SigningMethodRS256, rsaKey(), map[string]any{"kid": 7}, claims(iss, good)), reasons.KeyID, provider.ErrInvalidToken, "kid"},
		{"unknown key", sign(t, jwt.SigningMethodRS256, rsaKey(), map[string]any{"kid": "nobody"}, claims(iss, good)), reasons.UnknownKey, provider.ErrInvalidToken, "unknown_key"},
		{"signature", tampered, reasons.Signature, provider.ErrInvalidToken, "signature"},
		{"expired", token(jwt.MapClaims{"exp": time.Now().Add(-time.Minute).Unix()}), provider.ErrExpired, provider.ErrInvalidToken, "expired"},
		{"not yet valid", token(jwt.MapClaims{"nbf": time.Now().Add(time.Minute).Unix()}), reasons.NotYetValid, provider.ErrInvalidToken, "not_yet_valid"},
		{"missing exp", token(jwt.MapClaims{"exp": nil}), reasons.MissingClaim, provider.ErrInvalidToken, "missing_claim"},
		{"audience", token(jwt.MapClaims{"aud": "https://other.example"}), reasons.Audience, provider.ErrInvalidToken, "audience"},
		{"token use", token(jwt.MapClaims{"token_use": "id"}), reasons.TokenUse, provider.ErrInvalidToken, "token_use"},
		{"client", token(jwt.MapClaims{"client_id": "other"}), reasons.Client, provider.ErrInvalidToken, "client"},
		{"claims", token(jwt.MapClaims{"sub": nil}), reasons.Claims, provider.ErrInvalidToken, "claims"},
		{"type", typed.Sign("", claims(typed, good)), reasons.Type, provider.ErrInvalidToken, "type"},
		{"missing group", token(jwt.MapClaims{"groups": []string{"users"}}), reasons.MissingGroup, provider.ErrInsufficientScope, "insufficient_scope"},
		{"keys unavailable", down.Sign("", claims(down, good)), nil, provider.ErrKeysUnavailable, "keys_unavailable"},
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := v.Verify(context.Background(), tt.token)
			if c != nil {
				t.Errorf("Verify returned claims %+v with error %v", c, err)
			}
			wantErr(t, err, tt.reason, tt.category, tt.code)
			if !strings.HasPrefix(err.Error(), "provider: ") && !strings.HasPrefix(err.Error(), "cache: ") {
				t.Errorf("error %q does not start with its package name", err)
			}
			covered[tt.code] = true
		})
	}
	// invalid_token and error are for errors no sentinel describes.
	for _, code := range reasons.Codes {
		if !covered[code] && code != "invalid_token" && code != "error" {
			t.Errorf("no case yields reason %q", code)
		}
	}
}
