package dpopcheck_test

import (
	"errors"
	"testing"

	"github.com/jwtguard/jwtguard/dpop"
	"github.com/jwtguard/jwtguard/internal/dpopcheck"
)

// FuzzVerify: whatever the DPoP header holds, Verify does not panic, and
// every refusal is a proof error (invalid, or a nonce to use), never
// anything else.
func FuzzVerify(f *testing.F) {
	f.Add(proof(f, ecKey(), "ES256", nil))
	f.Add(proof(f, edKey(), "EdDSA", func(_, c map[string]any) { c["htu"] = "HTTPS://API.EXAMPLE.COM:443/%6Frders?x#y" }))
	f.Add("eyJ0eXAiOiJkcG9wK2p3dCJ9.e30.")
	f.Add("..")
	f.Fuzz(func(t *testing.T, s string) {
		_, err := dpopcheck.Verify(s, get, dpopcheck.Options{})
		if err != nil && !errors.Is(err, dpop.ErrInvalidProof) && !errors.Is(err, dpop.ErrUseNonce) {
			t.Fatalf("Verify(%q): %v is no proof error", s, err)
		}
	})
}
