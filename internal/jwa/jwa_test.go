package jwa

import "testing"

// Check accepts asymmetric JWS algorithms only, by their exact names.
func TestCheck(t *testing.T) {
	for _, alg := range []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"} {
		if err := Check([]string{alg}); err != nil {
			t.Errorf("Check(%s): %v", alg, err)
		}
	}
	for _, alg := range []string{"none", "None", "HS256", "HS384", "HS512", "rs256", "", "ES256K", "Ed25519"} {
		if err := Check([]string{"RS256", alg}); err == nil {
			t.Errorf("Check accepted %q", alg)
		}
	}
	if err := Check(nil); err != nil {
		t.Errorf("Check(nil): %v", err)
	}
}
