package provider_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/internal/testissuer"
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
// signed, and a Verifier for it (configured by cfg) whose cache is warm.
func benchToken(b *testing.B, alg string, cfg provider.VerifierConfig) (*testissuer.Issuer, string, *provider.Verifier) {
	b.Helper()
	iss := newIssuer(b, alg)
	token := iss.Sign("", claims(iss, benchClaims))
	cfg.Providers = []provider.Provider{oidcFor(b, iss, alg)}
	v := newVerifier(b, cfg)
	if err := v.Load(context.Background()); err != nil {
		b.Fatal(err)
	}
	verifyOK(b, v, token)
	return iss, token, v
}

// cold is a Verifier configuration without the token cache.
var cold = provider.VerifierConfig{TokenCache: provider.TokenCacheConfig{Disabled: true}}

// BenchmarkVerify is Verify of a token the Verifier has not seen (the
// token cache is off), with warm keys: what a new token costs.
func BenchmarkVerify(b *testing.B) {
	for _, alg := range benchAlgs {
		b.Run(alg, func(b *testing.B) {
			_, token, v := benchToken(b, alg, cold)
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
// key cache's hot path must not serialize verifications.
func BenchmarkVerifyParallel(b *testing.B) {
	for _, alg := range benchAlgs {
		b.Run(alg, func(b *testing.B) {
			_, token, v := benchToken(b, alg, cold)
			verifyParallel(b, v, token)
		})
	}
}

// BenchmarkVerifyHit is Verify of a token verified before: a hit in the
// token cache.
func BenchmarkVerifyHit(b *testing.B) {
	_, token, v := benchToken(b, "RS256", provider.VerifierConfig{})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, token); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyHitParallel is BenchmarkVerifyHit from every P at once,
// on the same token: compare its ns/op with BenchmarkVerifyHit's (on 2
// Ps, the rate should be at least 1.7 times one goroutine's).
func BenchmarkVerifyHitParallel(b *testing.B) {
	_, token, v := benchToken(b, "RS256", provider.VerifierConfig{})
	verifyParallel(b, v, token)
}

// verifyParallel verifies token with v from every P until the benchmark
// ends.
func verifyParallel(b *testing.B, v *provider.Verifier, token string) {
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
}

// interleave runs a and then b, batch times each, per iteration, and
// reports the ratio of their times: measured in the same moments, the
// ratio holds however loaded the machine is.
func interleave(b *testing.B, nameA, nameB string, batch int, fa, fb func()) {
	var ta, tb time.Duration
	n := 0
	for b.Loop() {
		t0 := time.Now()
		for range batch {
			fa()
		}
		t1 := time.Now()
		for range batch {
			fb()
		}
		ta, tb = ta+t1.Sub(t0), tb+time.Since(t1)
		n += batch
	}
	b.ReportMetric(float64(ta)/float64(n), nameA+"-ns/op")
	b.ReportMetric(float64(tb)/float64(n), nameB+"-ns/op")
	b.ReportMetric(float64(ta)/float64(tb), nameA+"/"+nameB)
}

// BenchmarkColdVsFloor is the cold path's goal: Verify of a token not
// seen before (cache off), against the RSA floor — rsa.VerifyPKCS1v15
// over the SHA-256 of the same token's signing input, with the same key
// — interleaved. verify/floor should be at most 1.10.
func BenchmarkColdVsFloor(b *testing.B) {
	iss, token, v := benchToken(b, "RS256", cold)
	ctx := context.Background()
	floor := rsaFloor(b, iss, token)
	interleave(b, "verify", "floor", 16, func() {
		if _, err := v.Verify(ctx, token); err != nil {
			b.Fatal(err)
		}
	}, floor)
}

// BenchmarkHitVsCold is the token cache's goal: a hit against a full
// verification of the same token, interleaved. cold/hit should be at
// least 30.
func BenchmarkHitVsCold(b *testing.B) {
	_, token, hot := benchToken(b, "RS256", provider.VerifierConfig{})
	_, coldToken, coldV := benchToken(b, "RS256", cold)
	ctx := context.Background()
	interleave(b, "cold", "hit", 16, func() {
		if _, err := coldV.Verify(ctx, coldToken); err != nil {
			b.Fatal(err)
		}
	}, func() {
		if _, err := hot.Verify(ctx, token); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkClients is a service's traffic: 1 000 clients, each presenting
// its own token 100 times, the clients' requests interleaved. An
// iteration is the whole run through a Verifier whose token cache starts
// empty (so each token's first request is a full verification), against
// one request per token through a Verifier without the cache (where
// every request costs the same); without/with is the speed-up per
// request.
func BenchmarkClients(b *testing.B) {
	const clients, requests = 1000, 100
	iss := newIssuer(b, "RS256")
	p := oidcFor(b, iss, "RS256")
	tokens := make([]string, clients)
	for i := range tokens {
		tokens[i] = iss.Sign("", claims(iss, map[string]any{"sub": fmt.Sprint("client-", i)}))
	}
	ctx := context.Background()
	without := newVerifier(b, provider.VerifierConfig{Providers: []provider.Provider{p}, TokenCache: cold.TokenCache})
	if err := without.Load(ctx); err != nil {
		b.Fatal(err)
	}
	var tWith, tWithout time.Duration
	for b.Loop() {
		b.StopTimer()
		with := newVerifier(b, provider.VerifierConfig{Providers: []provider.Provider{p}})
		if err := with.Load(ctx); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		for r := range requests {
			for c := range clients {
				// Request r of each client, the clients in an order
				// that changes with r.
				if _, err := with.Verify(ctx, tokens[(c*7919+r*31)%clients]); err != nil {
					b.Fatal(err)
				}
			}
		}
		mid := time.Now()
		for _, tok := range tokens {
			if _, err := without.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
		tWith, tWithout = tWith+mid.Sub(start), tWithout+time.Since(mid)
		with.Close()
	}
	with, without2 := float64(tWith)/float64(b.N*clients*requests), float64(tWithout)/float64(b.N*clients)
	b.ReportMetric(with, "with-ns/req")
	b.ReportMetric(without2, "without-ns/req")
	b.ReportMetric(without2/with, "without/with")
}

// BenchmarkBaselineRaw verifies the same token with golang-jwt and keyfunc
// alone (jwt.Parse into MapClaims, a keyfunc over the same JWKS, only the
// token's alg allowed): the cost Verify is measured against.
func BenchmarkBaselineRaw(b *testing.B) {
	for _, alg := range benchAlgs {
		b.Run(alg, func(b *testing.B) {
			iss, token, _ := benchToken(b, alg, cold)
			kf, err := keyfunc.NewJWKSetJSON(iss.JWKS())
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
// signature check alone (see rsaFloor).
func BenchmarkRSAFloor(b *testing.B) {
	iss := newIssuer(b, "RS256")
	floor := rsaFloor(b, iss, iss.Sign("", claims(iss, benchClaims)))
	b.ReportAllocs()
	for b.Loop() {
		floor()
	}
}

// rsaFloor returns the signature check of token alone:
// rsa.VerifyPKCS1v15 over the SHA-256 of its signing input, with the
// issuer's key.
func rsaFloor(b *testing.B, iss *testissuer.Issuer, token string) func() {
	dot := strings.LastIndexByte(token, '.')
	sig, err := base64.RawURLEncoding.DecodeString(token[dot+1:])
	if err != nil {
		b.Fatal(err)
	}
	pub := iss.Keys()[0].Private.Public().(*rsa.PublicKey)
	return func() {
		digest := sha256.Sum256([]byte(token[:dot]))
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}
