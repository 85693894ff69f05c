package dpopcheck_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/jwtguard/jwtguard/internal/dpopcheck"
)

// Nonces: accepted in their bucket and the next, refused after, and
// every replica with the same secret accepts every replica's.
func TestNonces(t *testing.T) {
	secret := []byte("the fleet's nonce secret, 32 bytes")
	synctest.Test(t, func(t *testing.T) {
		a := dpopcheck.NewNonces(secret, time.Minute)
		b := dpopcheck.NewNonces(secret, time.Minute)
		other := dpopcheck.NewNonces([]byte("another fleet's secret, 32 bytes.."), time.Minute)
		n := a.Current()
		if !a.Valid(n) || !b.Valid(n) || other.Valid(n) {
			t.Fatal("a fresh nonce: want valid for the fleet only")
		}
		time.Sleep(time.Minute)
		if !b.Valid(n) || b.Current() == n {
			t.Fatal("a nonce of the last bucket: want valid, and rotated")
		}
		time.Sleep(time.Minute)
		if a.Valid(n) {
			t.Fatal("a nonce two buckets old is still valid")
		}
		flipped := []byte(n)
		flipped[10] ^= 1 // another character of the MAC's alphabet
		for _, bad := range []string{"", "x", n + "A", string(flipped)} {
			if a.Valid(bad) {
				t.Errorf("nonce %q valid", bad)
			}
		}
	})
}
