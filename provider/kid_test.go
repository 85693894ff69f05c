package provider_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/internal/reasons"
	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/provider"
)

// TestKIDShape refuses a kid that is not 1 to 256 printable ASCII
// characters before looking for a key: nothing is fetched for it.
func TestKIDShape(t *testing.T) {
	iss := newIssuer(t, "RS256")
	c := claims(iss, nil)
	tests := []struct {
		name string
		kid  any
	}{
		{"number", 42},
		{"bool", true},
		{"null", []any(nil)},
		{"object", map[string]any{"kid": "RS256-key"}},
		{"array", []string{"RS256-key"}},
		{"empty", ""},
		{"too long", strings.Repeat("k", 257)},
		{"newline", "RS256\nkey"},
		{"NUL", "RS256-key\x00"},
		{"DEL", "RS256-key\x7f"},
		{"non-ASCII", "ключ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := verifierFor(t, oidcFor(t, iss))
			before := iss.Fetches()
			_, err := v.Verify(context.Background(), sign(t, jwt.SigningMethodRS256, rsaKey(), map[string]any{"kid": tt.kid}, c))
			wantErr(t, err, reasons.KeyID, provider.ErrInvalidToken, "kid")
			if n := iss.Fetches() - before; n != 0 {
				t.Errorf("issuer saw %d JWKS fetches, want 0", n)
			}
		})
	}
	t.Run("256 characters is a kid", func(t *testing.T) {
		v := verifierFor(t, oidcFor(t, iss))
		_, err := v.Verify(context.Background(), sign(t, jwt.SigningMethodRS256, rsaKey(), map[string]any{"kid": strings.Repeat("k", 256)}, c))
		wantErr(t, err, reasons.UnknownKey, provider.ErrInvalidToken, "unknown_key")
	})
}

// TestNoKID accepts a token without kid when the issuer publishes exactly
// one key, and refuses it when there are several to choose from.
func TestNoKID(t *testing.T) {
	tests := []struct {
		name string
		algs []string // the issuer's keys
		ok   bool
	}{
		{"one key", []string{"RS256"}, true},
		{"two keys", []string{"RS256", "RS256"}, false},
		{"two kinds of key", []string{"RS256", "ES256"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss := newIssuer(t, tt.algs...)
			v := verifierFor(t, oidcFor(t, iss, "RS256", "ES256"))
			_, err := v.Verify(context.Background(), iss.SignWithHeader("", map[string]any{"kid": nil}, claims(iss, nil)))
			if tt.ok {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			wantErr(t, err, reasons.KeyID, provider.ErrInvalidToken, "kid")
		})
	}
}

// TestUnknownKID refuses a kid the issuer does not publish after one
// refresh, and does not refresh again for the next one (cooldown).
func TestUnknownKID(t *testing.T) {
	iss := newIssuer(t, "RS256")
	v := verifierFor(t, oidcFor(t, iss))
	if err := v.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := iss.Fetches(); n != 1 {
		t.Fatalf("Load: %d fetches, want 1", n)
	}
	for i, kid := range []string{"ghost", "another-ghost", "ghost"} {
		_, err := v.Verify(context.Background(), sign(t, jwt.SigningMethodRS256, rsaKey2(), map[string]any{"kid": kid}, claims(iss, nil)))
		wantErr(t, err, reasons.UnknownKey, provider.ErrInvalidToken, "unknown_key")
		if n := iss.Fetches(); n != 2 {
			t.Fatalf("after unknown kid %d: %d fetches, want 2 (one refresh, then the cooldown)", i+1, n)
		}
	}
	verifyOK(t, v, iss.Token("alice", testAudience, nil))
}

// TestKeyRotation accepts a token signed by a key published after the
// cache loaded, at the cost of exactly one extra fetch, and keeps
// accepting the old key while it is published.
func TestKeyRotation(t *testing.T) {
	iss := newIssuer(t, "RS256")
	v := verifierFor(t, oidcFor(t, iss))
	if err := v.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	old := iss.Token("alice", testAudience, nil)
	iss.Publish(testissuer.Key{KID: "rotated", Alg: "RS256", Private: rsaKey2()})
	for range 3 {
		c := verifyOK(t, v, iss.Sign("rotated", claims(iss, jwt.MapClaims{"sub": "bob"})))
		if c.Subject() != "bob" {
			t.Errorf("Subject = %q, want bob", c.Subject())
		}
		verifyOK(t, v, old)
	}
	if n := iss.Fetches(); n != 2 {
		t.Errorf("%d fetches, want 2 (Load and one for the new kid)", n)
	}
}

// TestRefreshRevokesAtOnce: a key the issuer stops publishing stops
// verifying as soon as Refresh returns, one fetch per issuer; and a
// Refresh against an issuer that is down names it and keeps the keys.
func TestRefreshRevokesAtOnce(t *testing.T) {
	iss, other := newIssuer(t, "RS256"), newIssuer(t, "RS256")
	v := newVerifier(t, provider.VerifierConfig{Providers: []provider.Provider{oidcFor(t, iss), oidcFor(t, other)}})
	if err := v.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	revoked := iss.Token("alice", testAudience, nil)
	verifyOK(t, v, revoked)
	iss.Publish(testissuer.Key{KID: "next", Alg: "RS256", Private: rsaKey2()})
	iss.Remove(iss.KID())
	if err := v.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, m := iss.Fetches(), other.Fetches(); n != 2 || m != 2 {
		t.Fatalf("fetches %d and %d, want 2 each (Load, Refresh)", n, m)
	}
	_, err := v.Verify(context.Background(), revoked)
	wantErr(t, err, reasons.UnknownKey, provider.ErrInvalidToken, "unknown_key")
	verifyOK(t, v, iss.Sign("next", claims(iss, nil)))

	other.SetStatus(http.StatusServiceUnavailable)
	err = v.Refresh(context.Background())
	if err == nil || !strings.Contains(err.Error(), other.URL) {
		t.Fatalf("Refresh with %s down: %v, want an error naming it", other.URL, err)
	}
	verifyOK(t, v, other.Token("bob", testAudience, nil)) // its keys stay
}
