package provider_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/internal/reasons"
	"github.com/jwtguard/jwtguard/provider"
)

// TestAlgorithmConfusion rejects tokens whose alg the provider does not
// accept, or that differs from the alg of the key they name: the classic
// "none" and HS256-with-the-public-key attacks among them. Tokens refused
// on their header alone cost the issuer no fetch.
func TestAlgorithmConfusion(t *testing.T) {
	iss := newIssuer(t, "RS256", "ES256")
	der, err := x509.MarshalPKIXPublicKey(rsaKey().Public())
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(rsaKey().Public().(*rsa.PublicKey))})
	c := claims(iss, nil)
	rsKID := map[string]any{"kid": "RS256-key"}

	tests := []struct {
		name    string
		algs    []string // the provider's
		token   string
		noFetch bool // refused before any key look-up
	}{
		{"none with kid", nil, sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, rsKID, c), true},
		{"none without kid", nil, sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, nil, c), true},
		{"HS256 keyed with the PEM public key", nil, sign(t, jwt.SigningMethodHS256, pemKey, rsKID, c), true},
		{"HS256 keyed with the PKCS#1 PEM public key", nil, sign(t, jwt.SigningMethodHS256, pkcs1, rsKID, c), true},
		{"HS256 keyed with the DER public key", nil, sign(t, jwt.SigningMethodHS256, der, rsKID, c), true},
		{"HS256 when every asymmetric alg is allowed", allAlgs, sign(t, jwt.SigningMethodHS256, der, rsKID, c), true},
		{"RS256 when only ES256 is allowed", []string{"ES256"}, iss.Sign("RS256-key", c), true},
		{"unknown alg", nil, rawToken(t, map[string]any{"alg": "XS999", "kid": "RS256-key"}, c), true},
		{"alg missing", nil, rawToken(t, map[string]any{"kid": "RS256-key"}, c), true},
		{"PS256 token, RS256 key", []string{"RS256", "PS256"}, sign(t, jwt.SigningMethodPS256, rsaKey(), rsKID, c), false},
		{"RS256 token, ES256 key", []string{"RS256", "ES256"}, sign(t, jwt.SigningMethodRS256, rsaKey(), map[string]any{"kid": "ES256-key"}, c), false},
		{"ES256 token, RS256 key", []string{"RS256", "ES256"}, sign(t, jwt.SigningMethodES256, ecKey(), rsKID, c), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := verifierFor(t, oidcFor(t, iss, tt.algs...))
			before := iss.Fetches()
			_, err := v.Verify(context.Background(), tt.token)
			wantErr(t, err, reasons.Algorithm, provider.ErrInvalidToken, "algorithm")
			if n := iss.Fetches() - before; tt.noFetch && n != 0 {
				t.Errorf("issuer saw %d JWKS fetches, want 0", n)
			}
		})
	}
}

// TestAlgorithmNoKID checks the key's alg against the token's when the
// token has no kid and the issuer's only key is used.
func TestAlgorithmNoKID(t *testing.T) {
	iss := newIssuer(t, "RS256")
	v := verifierFor(t, oidcFor(t, iss, "RS256", "PS256"))
	c := claims(iss, nil)
	verifyOK(t, v, sign(t, jwt.SigningMethodRS256, rsaKey(), map[string]any{"kid": nil}, c))
	_, err := v.Verify(context.Background(), sign(t, jwt.SigningMethodPS256, rsaKey(), map[string]any{"kid": nil}, c))
	wantErr(t, err, reasons.Algorithm, provider.ErrInvalidToken, "algorithm")
}

// TestAlgorithmKeyWithoutAlg accepts any allowed alg of the key's type when
// the JWK does not name one, and refuses an alg of another key type.
func TestAlgorithmKeyWithoutAlg(t *testing.T) {
	iss := newIssuer(t, "RS256")
	jwks := iss.JWKS()
	var doc map[string][]map[string]any
	if err := json.Unmarshal(jwks, &doc); err != nil {
		t.Fatal(err)
	}
	delete(doc["keys"][0], "alg")
	iss.SetBody(must(json.Marshal(doc)))
	v := verifierFor(t, oidcFor(t, iss, "RS256", "PS256", "ES256"))
	c := claims(iss, nil)
	rsKID := map[string]any{"kid": "RS256-key"}
	verifyOK(t, v, sign(t, jwt.SigningMethodRS256, rsaKey(), rsKID, c))
	verifyOK(t, v, sign(t, jwt.SigningMethodPS256, rsaKey(), rsKID, c))
	_, err := v.Verify(context.Background(), sign(t, jwt.SigningMethodES256, ecKey(), rsKID, c))
	wantErr(t, err, reasons.Algorithm, provider.ErrInvalidToken, "algorithm")
}

// rawToken builds header.claims.signature by hand, for headers jwt will
// not produce.
func rawToken(t testing.TB, header map[string]any, c any) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(header) + "." + enc(c) + "." + base64.RawURLEncoding.EncodeToString([]byte("not a signature"))
}

// TestEveryAlgorithm: a token of each asymmetric algorithm verifies, and
// the same token with one bit of its signature flipped does not — on the
// path that hashes in place (RS*) and through golang-jwt (the others).
func TestEveryAlgorithm(t *testing.T) {
	for _, alg := range []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			iss := newIssuer(t, alg)
			v := verifierFor(t, oidcFor(t, iss, alg))
			token := iss.Sign("", claims(iss, nil))
			verifyOK(t, v, token)
			dot := strings.LastIndexByte(token, '.')
			sig, err := base64.RawURLEncoding.DecodeString(token[dot+1:])
			if err != nil {
				t.Fatal(err)
			}
			for _, bit := range []int{0, 7, len(sig)*8/2 + 3, len(sig)*8 - 1} {
				bad := bytes.Clone(sig)
				bad[bit/8] ^= 1 << (bit % 8)
				forged := token[:dot+1] + base64.RawURLEncoding.EncodeToString(bad)
				for range 2 { // the second time from the token cache
					_, err := v.Verify(context.Background(), forged)
					wantErr(t, err, reasons.Signature, provider.ErrInvalidToken, "signature")
				}
			}
			verifyOK(t, v, token)
		})
	}
}
