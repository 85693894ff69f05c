package middleware_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

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
