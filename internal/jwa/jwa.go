// Package jwa holds the JWS algorithms (RFC 7518) a key from a JWKS may
// verify: the asymmetric ones. The verifier and the providers' configs
// share the rule.
package jwa

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"fmt"
	"slices"
	"strings"

	"github.com/golang-jwt/jwt/v5"
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

// Fits reports whether key can verify a signature made with alg.
func Fits(alg string, key any) bool {
	switch k := key.(type) {
	case *rsa.PublicKey:
		return strings.HasPrefix(alg, "RS") || strings.HasPrefix(alg, "PS")
	case *ecdsa.PublicKey:
		switch alg {
		case "ES256":
			return k.Curve == elliptic.P256()
		case "ES384":
			return k.Curve == elliptic.P384()
		case "ES512":
			return k.Curve == elliptic.P521()
		}
	case ed25519.PublicKey:
		return alg == "EdDSA"
	}
	return false
}

// Methods are golang-jwt's signing methods of the asymmetric algorithms,
// looked up once: jwt.GetSigningMethod takes a lock.
var Methods = func() map[string]jwt.SigningMethod {
	m := make(map[string]jwt.SigningMethod, len(Asymmetric))
	for _, alg := range Asymmetric {
		m[alg] = jwt.GetSigningMethod(alg)
	}
	return m
}()
