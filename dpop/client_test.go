package dpop_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"testing"

	"github.com/jwtguard/jwtguard/dpop"
	"github.com/jwtguard/jwtguard/internal/dpopcheck"
)

// NewProof makes what the middleware's check accepts, for each key type,
// with the key itself and with a crypto.Signer that is only that (a key
// in a KMS).
func TestNewProof(t *testing.T) {
	const (
		uri   = "https://api.example.com/orders"
		token = "an-access-token"
	)
	keys := map[string]crypto.Signer{}
	keys["EC"], _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, keys["Ed25519"], _ = ed25519.GenerateKey(rand.Reader)
	keys["RSA"], _ = rsa.GenerateKey(rand.Reader, 2048)
	for name, key := range keys {
		for _, signer := range []crypto.Signer{key, opaqueSigner{key}} {
			p, err := dpop.NewProof(signer, "GET", uri+"?q=1#f", token, "")
			if err != nil {
				t.Fatalf("%s (%T): %v", name, signer, err)
			}
			got, err := dpopcheck.Verify(p, dpopcheck.Request{Method: "GET", URI: uri, AccessToken: token}, dpopcheck.Options{})
			want, _ := dpop.Thumbprint(key.Public())
			if err != nil || got.JKT != want {
				t.Errorf("%s (%T): Verify(NewProof) = %+v, %v", name, signer, got, err)
			}
		}
	}
}

// opaqueSigner hides its key's type, as a KMS or HSM signer does.
type opaqueSigner struct{ crypto.Signer }
