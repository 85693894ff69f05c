package provider_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/provider"
)

// testAudience is the API audience of the test providers.
const testAudience = "https://api.example.test"

// allAlgs are the algorithms of the test keys.
var allAlgs = []string{"RS256", "PS256", "ES256", "EdDSA"}

// Keys generated once per test binary: RSA 2048 takes a while under -race,
// and nothing in these tests depends on a key being fresh.
var (
	rsaKey  = sync.OnceValue(func() crypto.Signer { return must(rsa.GenerateKey(rand.Reader, 2048)) })
	rsaKey2 = sync.OnceValue(func() crypto.Signer { return must(rsa.GenerateKey(rand.Reader, 2048)) })
	ecKey   = sync.OnceValue(func() crypto.Signer { return must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)) })
	edKey   = sync.OnceValue(func() crypto.Signer {
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			panic(err)
		}
		return k
	})
)

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// testKey returns the shared private key for alg.
func testKey(alg string) crypto.Signer {
	switch alg {
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
		return rsaKey()
	case "ES256":
		return ecKey()
	case "ES384":
		return ecKeyOn(elliptic.P384())
	case "ES512":
		return ecKeyOn(elliptic.P521())
	case "EdDSA":
		return edKey()
	}
	panic("no test key for " + alg)
}

// newIssuer starts an issuer publishing one key per alg, with kid "<alg>-key"
// (a second key of one alg gets "-2"), and closes it when the test ends.
func newIssuer(t testing.TB, algs ...string) *testissuer.Issuer {
	t.Helper()
	iss := testissuer.NewEmpty()
	t.Cleanup(iss.Close)
	seen := map[string]bool{}
	for _, alg := range algs {
		kid, key := alg+"-key", testKey(alg)
		if seen[alg] {
			kid, key = alg+"-key-2", rsaKey2()
		}
		seen[alg] = true
		iss.Publish(testissuer.Key{KID: kid, Alg: alg, Private: key})
	}
	return iss
}

// oidcFor returns an OIDC provider for iss that accepts testAudience and
// algs (nil: RS256).
func oidcFor(t testing.TB, iss *testissuer.Issuer, algs ...string) provider.Provider {
	t.Helper()
	return newOIDC(t, provider.OIDCConfig{
		Issuer:     iss.Issuer(),
		JWKSURL:    iss.JWKSURL(),
		Audiences:  []string{testAudience},
		Algorithms: algs,
	})
}

func newOIDC(t testing.TB, cfg provider.OIDCConfig) provider.Provider {
	t.Helper()
	p, err := provider.NewOIDC(context.Background(), cfg)
	if err != nil {
		t.Fatalf("NewOIDC: %v", err)
	}
	return p
}

// newVerifier creates a Verifier and closes it when the test ends.
func newVerifier(t testing.TB, cfg provider.VerifierConfig) *provider.Verifier {
	t.Helper()
	v, err := provider.NewVerifier(cfg)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

// verifierFor is a Verifier over one provider with default settings.
func verifierFor(t testing.TB, p provider.Provider) *provider.Verifier {
	t.Helper()
	return newVerifier(t, provider.VerifierConfig{Providers: []provider.Provider{p}})
}

// claims are valid claims of iss for testAudience, plus extra (a nil value
// removes a claim).
func claims(iss *testissuer.Issuer, extra jwt.MapClaims) jwt.MapClaims {
	c := iss.Claims("alice", testAudience, time.Hour, nil)
	for k, v := range extra {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

// sign signs claims with key under method, with the header fields given
// (a nil value removes one). It is for the tokens testissuer will not
// mint: other algorithms than the key's, alg "none", HMAC.
func sign(t testing.TB, method jwt.SigningMethod, key any, header map[string]any, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, c)
	for k, v := range header {
		if v == nil {
			delete(tok.Header, k)
		} else {
			tok.Header[k] = v
		}
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("signing: %v", err)
	}
	return s
}

// wantErr fails the test unless err matches reason and category with
// errors.Is and Reason(err) is code.
func wantErr(t testing.TB, err, reason, category error, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v", reason)
	}
	if reason != nil && !errors.Is(err, reason) {
		t.Errorf("error %q does not match %q", err, reason)
	}
	if !errors.Is(err, category) {
		t.Errorf("error %q does not match category %q", err, category)
	}
	for _, other := range []error{provider.ErrNoToken, provider.ErrInvalidToken, provider.ErrInsufficientScope, provider.ErrKeysUnavailable} {
		if other != category && errors.Is(err, other) {
			t.Errorf("error %q matches category %q too", err, other)
		}
	}
	if got := provider.Reason(err); got != code {
		t.Errorf("Reason(%q) = %q, want %q", err, got, code)
	}
}

// verifyOK verifies token and fails the test on an error.
func verifyOK(t testing.TB, v *provider.Verifier, token string) *provider.Claims {
	t.Helper()
	c, err := v.Verify(context.Background(), token)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return c
}

// jwtJSON is c as JSON with claim name set to value.
func jwtJSON(c jwt.MapClaims, name string, value any) ([]byte, error) {
	m := jwt.MapClaims{}
	for k, v := range c {
		m[k] = v
	}
	m[name] = value
	return json.Marshal(m)
}

// ecKeyOn generates an EC key on curve.
func ecKeyOn(curve elliptic.Curve) crypto.Signer { return must(ecdsa.GenerateKey(curve, rand.Reader)) }
