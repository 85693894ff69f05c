package middleware_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/provider"
)

// BenchmarkMiddleware is the whole middleware on a token presented before
// (the Verifier's token cache answers: the goal is at most 2 µs), and
// BenchmarkVerify the verifier alone on it. BenchmarkMiddlewareOnly
// measures Handler around a verifier that returns claims verified once
// beforehand, and BenchmarkBare the recorder and next handler without the
// middleware.

// benchSetup returns a verifier with a warm cache and a token it accepts.
func benchSetup(b *testing.B) (*provider.Verifier, string) {
	v := newVerifier(b)
	tok := token("alice", nil)
	if _, err := v.Verify(context.Background(), tok); err != nil {
		b.Fatal(err)
	}
	return v, tok
}

// benchHandler runs h on a request with tok, a new recorder each time.
func benchHandler(b *testing.B, m *middleware.Middleware, tok string) {
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if middleware.FromContext(r.Context()) == nil {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	req := httptest.NewRequest(http.MethodGet, "/orders", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

func BenchmarkMiddleware(b *testing.B) {
	v, tok := benchSetup(b)
	benchHandler(b, newMiddleware(b, middleware.Config{Verifier: v}), tok)
}

func BenchmarkVerify(b *testing.B) {
	v, tok := benchSetup(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

// verified is a Verifier that answers every call with claims verified
// once by a real verifier, to time the middleware without the signature.
type verified struct{ claims *provider.Claims }

func (v verified) Verify(context.Context, string) (*provider.Claims, error) { return v.claims, nil }

func BenchmarkMiddlewareOnly(b *testing.B) {
	v, tok := benchSetup(b)
	c, err := v.Verify(context.Background(), tok)
	if err != nil {
		b.Fatal(err)
	}
	benchHandler(b, newMiddleware(b, middleware.Config{Verifier: verified{c}}), tok)
}

// BenchmarkBare is BenchmarkMiddlewareOnly without the middleware: the
// recorder and the next handler, the baseline of the figures above.
func BenchmarkBare(b *testing.B) {
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if middleware.FromContext(r.Context()) != nil {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	req := httptest.NewRequest(http.MethodGet, "/orders", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

// BenchmarkDPoP is the cost of DPoP: a request with a token verified
// before (the token cache answers) and a fresh ES256 proof, against the
// same request as a bearer token plus the proof's signature check alone
// (ecdsa.VerifyASN1's work, through golang-jwt), interleaved.
// dpop/(bearer+signature) should be at most 1.10.
func BenchmarkDPoP(b *testing.B) {
	key := clientKey()
	bound := plain.DPoPToken("alice", "api", key.Public(), nil)
	bearer := token("alice", nil)
	h := newMiddleware(b, middleware.Config{DPoP: middleware.DPoPConfig{Mode: middleware.DPoPAllowed, PublicURL: publicURL}}).Handler(thumbprintEcho)
	const batch = 64
	proofs := make([]string, 0, batch)
	// One proof per request (each jti is accepted once), made outside the
	// timing.
	next := func() string {
		if len(proofs) == 0 {
			for range batch {
				proofs = append(proofs, testissuer.DPoPProof(key, "GET", publicURL+"/orders", bound, ""))
			}
		}
		p := proofs[len(proofs)-1]
		proofs = proofs[:len(proofs)-1]
		return p
	}
	sample := next()
	dot := strings.LastIndexByte(sample, '.')
	sig, _ := base64.RawURLEncoding.DecodeString(sample[dot+1:])
	run := func(r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != 200 {
			b.Fatalf("status %d %s", rec.Code, rec.Body)
		}
	}
	run(dpopRequest("GET", "/orders", "DPoP", bound, next()))
	run(dpopRequest("GET", "/orders", "Bearer", bearer))
	var tDPoP, tBase time.Duration
	n := 0
	for b.Loop() {
		b.StopTimer()
		reqs := make([]*http.Request, batch)
		for i := range reqs {
			reqs[i] = dpopRequest("GET", "/orders", "DPoP", bound, next())
		}
		b.StartTimer()
		t0 := time.Now()
		for _, r := range reqs {
			run(r)
		}
		t1 := time.Now()
		for range batch {
			run(dpopRequest("GET", "/orders", "Bearer", bearer))
			if err := jwt.SigningMethodES256.Verify(sample[:dot], sig, key.Public()); err != nil {
				b.Fatal(err)
			}
		}
		tDPoP, tBase = tDPoP+t1.Sub(t0), tBase+time.Since(t1)
		n += batch
	}
	b.ReportMetric(float64(tDPoP)/float64(n), "dpop-ns/op")
	b.ReportMetric(float64(tBase)/float64(n), "bearer+signature-ns/op")
	b.ReportMetric(float64(tDPoP)/float64(tBase), "dpop/(bearer+signature)")
}
