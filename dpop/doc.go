// Package dpop verifies DPoP proofs (RFC 9449): the proof of possession
// that binds an access token to a key the client holds, so that a token
// lifted from a log, a proxy or a browser is worth nothing without the
// key.
//
// A client sends, with "Authorization: DPoP <token>", one header
// "DPoP: <proof>": a JWT of typ dpop+jwt, signed with its private key,
// carrying the public key (jwk), the request's method (htm) and URI (htu),
// when it was made (iat), a unique id (jti), the hash of the access token
// (ath) and, when the server asks, the server's nonce. The token's
// cnf.jkt names the key by its RFC 7638 thumbprint (Thumbprint).
//
// Verify runs the checks of RFC 9449 §4.3 that need nothing but the proof
// and the request, and returns the proof's key thumbprint and jti. Two
// checks are the caller's: that the access token's cnf.jkt equals
// Proof.JKT, and that the jti was not seen before within the window (a
// replay). Errors match ErrInvalidProof (error="invalid_dpop_proof") and
// one reason with a code for provider.Reason, or ErrUseNonce
// (error="use_dpop_nonce").
package dpop
