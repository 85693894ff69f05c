package dpop

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	_ "crypto/sha512" // SHA-384 and SHA-512 for ES384 and ES512
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"math/big"
	"net/url"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// NewProof makes a DPoP proof (RFC 9449 §4.2) for a request of method to
// uri, as a DPoP-mode middleware wants it: signed with key — ES256, ES384
// or ES512 for an EC key of that size, EdDSA for Ed25519, RS256 for RSA —
// carrying its public JWK, a random jti, iat now, the SHA-256 of token
// (ath; none if token is empty) and nonce if not empty (the server's, from
// a DPoP-Nonce header). uri's query and fragment are dropped.
func NewProof(key crypto.Signer, method, uri, token, nonce string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", fmt.Errorf("dpop: proof URI: %w", err)
	}
	u.RawQuery, u.Fragment, u.RawFragment = "", "", ""
	alg, jwk, err := publicJWK(key.Public())
	if err != nil {
		return "", err
	}
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return "", err
	}
	c := jwt.MapClaims{"jti": hex.EncodeToString(id), "htm": method, "htu": u.String(), "iat": time.Now().Unix()}
	if token != "" {
		sum := sha256.Sum256([]byte(token))
		c["ath"] = b64.EncodeToString(sum[:])
	}
	if nonce != "" {
		c["nonce"] = nonce
	}
	t := jwt.NewWithClaims(jwt.GetSigningMethod(alg), c)
	t.Header = map[string]any{"typ": "dpop+jwt", "alg": alg, "jwk": jwk}
	input, err := t.SigningString()
	if err != nil {
		return "", fmt.Errorf("dpop: a proof: %w", err)
	}
	sig, err := sign(key, alg, input)
	if err != nil {
		return "", fmt.Errorf("dpop: signing a proof: %w", err)
	}
	return input + "." + b64.EncodeToString(sig), nil
}

// sign signs input for alg with key through crypto.Signer alone, so that
// a key in a KMS or HSM will do (golang-jwt signs with *ecdsa.PrivateKey
// and *rsa.PrivateKey only): PKCS #1 v1.5 over SHA-256 for RS256, r‖s of
// the curve's size for ES*, the message itself for EdDSA.
func sign(key crypto.Signer, alg, input string) ([]byte, error) {
	if alg == "EdDSA" {
		return key.Sign(rand.Reader, []byte(input), crypto.Hash(0))
	}
	h := crypto.SHA256 // RS256, ES256
	switch alg {
	case "ES384":
		h = crypto.SHA384
	case "ES512":
		h = crypto.SHA512
	}
	d := h.New()
	d.Write([]byte(input))
	sig, err := key.Sign(rand.Reader, d.Sum(nil), h)
	if err != nil || alg == "RS256" {
		return sig, err
	}
	// ECDSA signers answer in ASN.1 DER; JWS wants r‖s, each the size
	// of the curve.
	var der struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(sig, &der); err != nil {
		return nil, fmt.Errorf("ECDSA signature: %w", err)
	}
	size := (key.Public().(*ecdsa.PublicKey).Curve.Params().BitSize + 7) / 8
	out := make([]byte, 2*size)
	der.R.FillBytes(out[:size])
	der.S.FillBytes(out[size:])
	return out, nil
}

// publicJWK returns the JWS algorithm a proof made with a key of pub's
// type uses, and pub as a JWK.
func publicJWK(pub crypto.PublicKey) (string, map[string]any, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		crv, size := curveName(k.Curve)
		raw, err := k.Bytes()
		if crv == "" || err != nil {
			return "", nil, fmt.Errorf("%w: EC keys are P-256, P-384 or P-521", errKey)
		}
		alg := map[int]string{32: "ES256", 48: "ES384", 66: "ES512"}[size]
		return alg, map[string]any{"kty": "EC", "crv": crv, "x": b64.EncodeToString(raw[1 : 1+size]), "y": b64.EncodeToString(raw[1+size:])}, nil
	case ed25519.PublicKey:
		return "EdDSA", map[string]any{"kty": "OKP", "crv": "Ed25519", "x": b64.EncodeToString(k)}, nil
	case *rsa.PublicKey:
		return "RS256", map[string]any{"kty": "RSA", "n": b64.EncodeToString(k.N.Bytes()), "e": b64.EncodeToString(big.NewInt(int64(k.E)).Bytes())}, nil
	}
	return "", nil, fmt.Errorf("%w: %T", errKey, pub)
}
