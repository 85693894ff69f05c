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
	b.Run("success", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			observe.From(m).Verifications.Verified(iss, nil, 30*time.Microsecond)
		}
	})
	b.Run("failure", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			observe.From(m).Verifications.Verified(iss, reasons.UnknownKey, 30*time.Microsecond)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				observe.From(m).Verifications.Verified(iss, nil, 30*time.Microsecond)
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
