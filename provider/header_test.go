package provider_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/jwtguard/jwtguard/internal/reasons"
	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/provider"
)

// TestCritHeader refuses a token with a crit header: it names extensions
// the verifier would have to understand (RFC 7515 §4.1.11).
func TestCritHeader(t *testing.T) {
	iss := newIssuer(t, "RS256")
	v := verifierFor(t, oidcFor(t, iss))
	for _, crit := range []any{[]string{"exp"}, []string{}, "b64"} {
		_, err := v.Verify(context.Background(), iss.SignWithHeader("", map[string]any{"crit": crit}, claims(iss, nil)))
		wantErr(t, err, reasons.Malformed, provider.ErrInvalidToken, "malformed")
	}
}

// TestB64Header refuses a token naming b64 (RFC 7797) without listing it
// in crit, whatever its value: its payload would be read two ways.
func TestB64Header(t *testing.T) {
	iss := newIssuer(t, "RS256")
	v := verifierFor(t, oidcFor(t, iss))
	for _, b64 := range []any{false, true, "false"} {
		_, err := v.Verify(context.Background(), iss.SignWithHeader("", map[string]any{"b64": b64}, claims(iss, nil)))
		wantErr(t, err, reasons.Malformed, provider.ErrInvalidToken, "malformed")
	}
}

// TestHeaderKeyURLsIgnored checks that keys a token points at or carries
// (jku, x5u, jwk) are never fetched or used: only the issuer's own key set
// verifies tokens.
func TestHeaderKeyURLsIgnored(t *testing.T) {
	iss := newIssuer(t, "RS256")
	attacker := testissuer.NewEmpty()
	defer attacker.Close()
	attacker.Publish(testissuer.Key{KID: "attacker", Alg: "RS256", Private: rsaKey2()})
	var hits atomic.Int64
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		attacker.Server.Config.Handler.ServeHTTP(w, r)
	}))
	defer evil.Close()
	evilJWKS := evil.URL + testissuer.JWKSPath
	attackerJWK := map[string]any{"kty": "RSA", "kid": "attacker", "n": "AQAB", "e": "AQAB"}

	c := claims(iss, nil)
	tests := []struct {
		name   string
		token  string
		reason error // nil: verifies
	}{
		{"jku to the attacker's key", attacker.SignWithHeader("attacker", map[string]any{"jku": evilJWKS}, c), reasons.UnknownKey},
		{"x5u to the attacker's key", attacker.SignWithHeader("attacker", map[string]any{"x5u": evil.URL + "/cert.pem"}, c), reasons.UnknownKey},
		{"embedded jwk", attacker.SignWithHeader("attacker", map[string]any{"jwk": attackerJWK}, c), reasons.UnknownKey},
		{"jku with the issuer's kid", attacker.SignWithHeader("attacker", map[string]any{"kid": iss.KID(), "jku": evilJWKS}, c), reasons.Signature},
		{"jku on a token of the issuer", iss.SignWithHeader("", map[string]any{"jku": evilJWKS}, c), nil},
		{"x5u on a token of the issuer", iss.SignWithHeader("", map[string]any{"x5u": evil.URL + "/cert.pem"}, c), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := verifierFor(t, oidcFor(t, iss))
			_, err := v.Verify(context.Background(), tt.token)
			if tt.reason == nil {
				if err != nil {
					t.Errorf("Verify: %v", err)
				}
			} else {
				wantErr(t, err, tt.reason, provider.ErrInvalidToken, provider.Reason(tt.reason))
			}
			if n := hits.Load(); n != 0 {
				t.Errorf("the server the header names got %d requests, want 0", n)
			}
			if n := attacker.Fetches(); n != 0 {
				t.Errorf("the attacker's JWKS was fetched %d times, want 0", n)
			}
		})
	}
}
