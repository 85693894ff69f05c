package redistoken_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/jwtguard/jwtguard/internal/m2mtest"
	"github.com/jwtguard/jwtguard/m2m"
	"github.com/jwtguard/jwtguard/m2m/redistoken"
)

// A token is kept in Redis until its expiry as measured by time.Now, the
// clock of the sources that share it — not Redis's clock: the TTL is what
// is left of the token's lifetime by the process's clock. In the bubble
// that clock reads 2000-01-01, so a token expires decades before Redis's
// now, and a store that sent Redis the expiry itself would keep nothing.
func TestStoredUntilExpiryByClock(t *testing.T) {
	mr := miniredis.RunT(t) // outside the bubble, like the issuer's server
	b := backend{name: "miniredis", addr: mr.Addr(), prefix: defaultPrefix, mr: mr}
	iss := newIssuer(t)
	machineNow := time.Now()
	synctest.Test(t, func(t *testing.T) {
		if now := time.Now(); !now.Add(2 * time.Hour).Before(machineNow) {
			t.Fatalf("the bubble's clock %v is not well before the machine's %v", now, machineNow)
		}
		var sources []*m2m.TokenSource
		for range 2 {
			store, err := redistoken.New(redistoken.Config{Client: b.client(t), Key: sealKey})
			if err != nil {
				t.Fatal(err)
			}
			sources = append(sources, m2mtest.NewSource(t, sourceConfig(iss, store, nil)))
		}
		for i, ts := range sources {
			if _, err := ts.Token(); err != nil {
				t.Fatalf("source %d: %v", i, err)
			}
		}
		if iss.Mints() != 1 {
			t.Fatalf("%d mints, want 1: the second source reads the first's token", iss.Mints())
		}
		keys := b.keys(t)
		if len(keys) != 1 {
			t.Fatalf("keys %v, want the token's", keys)
		}
		if ttl := mr.TTL(keys[0]); ttl < 59*time.Minute || ttl > time.Hour {
			t.Fatalf("token kept for %v, want its lifetime left, an hour", ttl)
		}
	})
}
