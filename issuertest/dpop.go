package issuertest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/dpop"
)

// DPoPToken mints an access token for sub and aud, valid for an hour,
// bound to key (cnf.jkt, RFC 9449 §6.1): worth nothing without a proof
// made with key's private half.
func (i *Issuer) DPoPToken(sub, aud string, key crypto.PublicKey, extra jwt.MapClaims) string {
	jkt, err := dpop.Thumbprint(key)
	if err != nil {
		panic("issuertest: " + err.Error())
	}
	c := i.Claims(sub, aud, time.Hour, extra)
	c["cnf"] = map[string]any{"jkt": jkt}
	return i.Sign("", c)
}

// DPoPProof builds a DPoP proof (RFC 9449 §4.2) signed with key (ES256
// for P-256, EdDSA for Ed25519, RS256 for RSA) for a request of method to
// uri, presenting token (its ath; "" for none), with the server's nonce
// ("" for none): what a client sends in the DPoP header. Each call has a
// jti of its own.
func DPoPProof(key crypto.Signer, method, uri, token, nonce string) string {
	var alg string
	jwk := map[string]any{}
	b64 := base64.RawURLEncoding
	switch k := key.Public().(type) {
	case *ecdsa.PublicKey:
		raw, err := k.Bytes()
		if err != nil {
			panic("issuertest: " + err.Error())
		}
		size := (len(raw) - 1) / 2
		alg = map[int]string{32: "ES256", 48: "ES384", 66: "ES512"}[size]
		jwk = map[string]any{"kty": "EC", "crv": k.Curve.Params().Name, "x": b64.EncodeToString(raw[1 : 1+size]), "y": b64.EncodeToString(raw[1+size:])}
	case ed25519.PublicKey:
		alg, jwk = "EdDSA", map[string]any{"kty": "OKP", "crv": "Ed25519", "x": b64.EncodeToString(k)}
	case *rsa.PublicKey:
		alg, jwk = "RS256", map[string]any{"kty": "RSA", "n": b64.EncodeToString(k.N.Bytes()), "e": b64.EncodeToString(big.NewInt(int64(k.E)).Bytes())}
	default:
		panic("issuertest: DPoPProof: a key of type " + alg)
	}
	c := jwt.MapClaims{"jti": newJTI(), "htm": method, "htu": uri, "iat": time.Now().Unix()}
	if token != "" {
		sum := sha256.Sum256([]byte(token))
		c["ath"] = b64.EncodeToString(sum[:])
	}
	if nonce != "" {
		c["nonce"] = nonce
	}
	t := jwt.NewWithClaims(jwt.GetSigningMethod(alg), c)
	t.Header = map[string]any{"typ": "dpop+jwt", "alg": alg, "jwk": jwk}
	s, err := t.SignedString(key)
	if err != nil {
		panic("issuertest: signing a DPoP proof: " + err.Error())
	}
	return s
}
