package redistoken

import (
	"bytes"
	"testing"
)

// FuzzOpen: a stored value opens only if it was sealed with the key for
// that Redis key. The only plaintext ever sealed under this key is plain,
// so a value that opens to anything else — a mutation of a sealed value
// that got past AES-GCM — is a forgery.
func FuzzOpen(f *testing.F) {
	s, err := newSealer([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		f.Fatal(err)
	}
	const rk = "jwtguard:m2m:k"
	plain := []byte(`{"access_token":"t","issued":"2026-12-01T00:00:00Z","expiry":"2026-12-01T01:00:00Z"}`)
	sealed := s.seal(rk, plain)
	f.Add(sealed)
	f.Add(sealed[:len(sealed)-1])
	f.Add(plain)
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := s.open(rk, b)
		if err != nil {
			return
		}
		if !bytes.Equal(got, plain) {
			t.Fatalf("opened %q to %q: a value nobody sealed", b, got)
		}
	})
}
