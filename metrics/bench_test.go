package metrics_test

import (
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/reasons"
	"github.com/jwtguard/jwtguard/metrics"
)

// The hooks on the verification path: Verified for every token,
// UnknownKID for tokens with a kid the cache lacks.
func BenchmarkVerified(b *testing.B) {
	m, err := metrics.New(metrics.Config{})
	if err != nil {
		b.Fatal(err)
	}
	const iss = "https://issuer.example"
	h := observe.From(m).Verifications
	b.Run("success", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			h.Verified(iss, nil, 30*time.Microsecond)
		}
	})
	b.Run("failure", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			h.Verified(iss, reasons.UnknownKey, 30*time.Microsecond)
		}
	})
	b.Run("token cache hit", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			h.TokenCached(iss, observe.CacheHit)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				h.Verified(iss, nil, 30*time.Microsecond)
			}
		})
	})
}

func BenchmarkUnknownKID(b *testing.B) {
	m, err := metrics.New(metrics.Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		observe.From(m).Keys.UnknownKID("https://issuer.example", observe.KIDSuppressed)
	}
}

// The counting on every request allocates nothing once an issuer's
// series exist: a verification, a token-cache hit.
func TestRequestPathAllocs(t *testing.T) {
	m, err := metrics.New(metrics.Config{})
	if err != nil {
		t.Fatal(err)
	}
	const iss = "https://issuer.example"
	h := observe.From(m).Verifications
	for name, f := range map[string]func(){
		"Verified":    func() { h.Verified(iss, nil, time.Millisecond) },
		"TokenCached": func() { h.TokenCached(iss, observe.CacheHit) },
	} {
		f() // the series are made
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s: %v allocations a call, want 0", name, n)
		}
	}
}
