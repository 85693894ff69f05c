package dpop

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math/big"
)

var b64 = base64.RawURLEncoding

// Thumbprint returns the RFC 7638 SHA-256 thumbprint of a public key,
// base64url: what an access token's cnf.jkt names (RFC 9449 §6.1). key is
// an *rsa.PublicKey, *ecdsa.PublicKey (P-256, P-384, P-521) or
// ed25519.PublicKey.
func Thumbprint(key crypto.PublicKey) (string, error) {
	var canonical string
	switch k := key.(type) {
	case *rsa.PublicKey:
		// The members in lexicographic order, no white space (RFC 7638
		// §3.2); integers as unsigned big-endian without leading zeros.
		canonical = `{"e":"` + b64.EncodeToString(big.NewInt(int64(k.E)).Bytes()) + `","kty":"RSA","n":"` + b64.EncodeToString(k.N.Bytes()) + `"}`
	case *ecdsa.PublicKey:
		crv, size := curveName(k.Curve)
		if crv == "" {
			return "", fmt.Errorf("%w: curve %s", errKey, k.Curve.Params().Name)
		}
		raw, err := k.Bytes() // 0x04 || x || y, each size bytes
		if err != nil {
			return "", fmt.Errorf("%w: %w", errKey, err)
		}
		canonical = `{"crv":"` + crv + `","kty":"EC","x":"` + b64.EncodeToString(raw[1:1+size]) + `","y":"` + b64.EncodeToString(raw[1+size:]) + `"}`
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return "", fmt.Errorf("%w: Ed25519 key of %d bytes", errKey, len(k))
		}
		canonical = `{"crv":"Ed25519","kty":"OKP","x":"` + b64.EncodeToString(k) + `"}`
	default:
		return "", fmt.Errorf("%w: %T", errKey, key)
	}
	sum := sha256.Sum256([]byte(canonical))
	return b64.EncodeToString(sum[:]), nil
}

// curveName returns the JWK crv of c and the size of its coordinates, or
// "" for a curve DPoP keys may not use.
func curveName(c elliptic.Curve) (string, int) {
	switch c {
	case elliptic.P256():
		return "P-256", 32
	case elliptic.P384():
		return "P-384", 48
	case elliptic.P521():
		return "P-521", 66
	}
	return "", 0
}
