package provider_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/provider"
)

// benchAlgs are the algorithms benchmarked, one key each.
var benchAlgs = []string{"RS256", "ES256", "EdDSA"}

// benchClaims make the benchmark token look like a Cognito access token.
var benchClaims = map[string]any{
	"token_use":      "access",
	"client_id":      "6bnvpjbe1h3m3vo4kvb4h0iq2",
	"scope":          "openid profile email",
	"cognito:groups": []string{"admin", "users"},
	"username":       "alice",
	"jti":            "0f4c7e4e-52b7-4c1e-9d33-5b0f8f2f8d1a",
	"auth_time":      1700000000,
}

// benchToken returns an issuer publishing one key for alg, a token it
// signed, and a Verifier for it whose cache is warm.
func benchToken(b *testing.B, alg string) (string, []byte, *provider.Verifier) {
	b.Helper()
	iss := newIssuer(b, alg)
	token := iss.Sign("", claims(iss, benchClaims))
	v := verifierFor(b, oidcFor(b, iss, alg))
	if err := v.Load(context.Background()); err != nil {
		b.Fatal(err)
	}
	verifyOK(b, v, token)
	return token, iss.JWKS(), v
}

// BenchmarkVerify is Verify with a warm cache: what every request pays.
func BenchmarkVerify(b *testing.B) {
	for _, alg := range benchAlgs {
		b.Run(alg, func(b *testing.B) {
			token, _, v := benchToken(b, alg)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(ctx, token); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerifyParallel is BenchmarkVerify from every P at once: the
// cache's hot path must not serialize verifications.
func BenchmarkVerifyParallel(b *testing.B) {
	for _, alg := range benchAlgs {
		b.Run(alg, func(b *testing.B) {
			token, _, v := benchToken(b, alg)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				for pb.Next() {
					if _, err := v.Verify(ctx, token); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkBaselineRaw verifies the same token with golang-jwt and keyfunc
// alone (jwt.Parse into MapClaims, a keyfunc over the same JWKS, only the
// token's alg allowed): the cost Verify is measured against.
func BenchmarkBaselineRaw(b *testing.B) {
	for _, alg := range benchAlgs {
		b.Run(alg, func(b *testing.B) {
			token, jwks, _ := benchToken(b, alg)
			kf, err := keyfunc.NewJWKSetJSON(jwks)
			if err != nil {
				b.Fatal(err)
			}
			valid := jwt.WithValidMethods([]string{alg})
			b.ReportAllocs()
			for b.Loop() {
				if _, err := jwt.Parse(token, kf.Keyfunc, valid); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRSAFloor is the floor under BenchmarkVerify/RS256: the
// signature check alone, rsa.VerifyPKCS1v15 over the SHA-256 of the same
// token's signing input, with the issuer's key. Verify's cold path is
// measured as a ratio to it.
func BenchmarkRSAFloor(b *testing.B) {
	iss := newIssuer(b, "RS256")
	token := iss.Sign("", claims(iss, benchClaims))
	dot := strings.LastIndexByte(token, '.')
	sig, err := base64.RawURLEncoding.DecodeString(token[dot+1:])
	if err != nil {
		b.Fatal(err)
	}
	pub := iss.Keys()[0].Private.Public().(*rsa.PublicKey)
	b.ReportAllocs()
	for b.Loop() {
		digest := sha256.Sum256([]byte(token[:dot]))
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}
