// Package jwa holds the JWS algorithms (RFC 7518) a key from a JWKS may
// verify: the asymmetric ones. The verifier and the providers' configs
// share the rule.
package jwa

import (
	"fmt"
	"slices"
)

// Asymmetric are the JWS algorithms a JWKS can verify.
var Asymmetric = []string{
	"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
}

// Check returns an error unless every algorithm is asymmetric: "none" and
// HS* are never accepted with a JWKS.
func Check(algs []string) error {
	for _, a := range algs {
		if !slices.Contains(Asymmetric, a) {
			return fmt.Errorf("algorithm %q not allowed: want one of %q", a, Asymmetric)
		}
	}
	return nil
}
