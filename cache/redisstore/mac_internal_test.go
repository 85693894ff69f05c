package redisstore

import (
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/redislock"
	"github.com/jwtguard/jwtguard/internal/testissuer"
)

// BenchmarkReadRecord is what a replica pays per Redis read of a shared
// document, beyond the round trip: opening the record (the MAC, or
// nothing when Redis is trusted) and decoding it, for a JWKS of two
// RSA-2048 keys.
func BenchmarkReadRecord(b *testing.B) {
	iss := testissuer.New()
	defer iss.Close()
	iss.AddKey("RS256")
	const url, key = "https://idp.example/.well-known/jwks.json", "jwtguard:jwks:k"
	record, err := encode(&cache.Document{URL: url, Issuer: "https://idp.example/", Body: iss.JWKS(), FetchedAt: time.Now()})
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		seal redislock.Sealer
	}{
		{"trusted", redislock.Sealer{}},
		{"authenticated", mustSealer([]byte("the benchmark's fleet secret, 32B"))},
	} {
		stored := tc.seal.Seal(key, record)
		b.Run(tc.name+"/open", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(stored)))
			for b.Loop() {
				if _, ok := tc.seal.Open(key, stored); !ok {
					b.Fatal("the record does not open")
				}
			}
		})
		b.Run(tc.name+"/open+decode", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r, ok := tc.seal.Open(key, stored)
				if !ok {
					b.Fatal("the record does not open")
				}
				if _, err := decode(r, url, time.Now()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
