package testissuer

import (
	"crypto"
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

// DPoPProof builds a DPoP proof (RFC 9449 §4.2) signed with key for a
// request of method to uri, presenting token (its ath; "" for none), with
// the server's nonce ("" for none): what a client sends in the DPoP
// header (dpop.NewProof, panicking on an error).
func DPoPProof(key crypto.Signer, method, uri, token, nonce string) string {
	p, err := dpop.NewProof(key, method, uri, token, nonce)
	if err != nil {
		panic("issuertest: " + err.Error())
	}
	return p
}
