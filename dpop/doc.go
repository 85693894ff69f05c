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
// replay). Errors match ErrInvalidProof (error="invalid_dpop_proof"),
// their message saying what was wrong and provider.Reason returning its
// code (dpop_malformed, dpop_iat, …), or ErrUseNonce
// (error="use_dpop_nonce"). The middleware runs all of it
// (middleware.DPoPConfig).
//
// # What it protects against, and what not
//
// A stolen bound token cannot be used without the client's private key:
// not from a log, a proxy, a browser's storage or a compromised resource
// server it was sent to. A captured proof cannot be used for another
// request (method, URI, token), after its window, or a second time. DPoP
// does not protect a client whose key is stolen with the token, nor the
// content of requests (use TLS), nor against a malicious client.
//
// # Deploying
//
// Migrate with the middleware's modes: DPoPAllowed while clients move
// (bearer tokens still pass, bound tokens need their proof), then
// DPoPRequired. Behind a proxy, give the middleware the public URL
// (DPoPConfig.PublicURL), or the proxies' addresses (TrustedProxies):
// forwarding headers of anyone else are ignored. Server nonces (Nonces)
// make a proof made in advance useless, at the price of one 401 per
// client per nonce period.
//
// The replay guarantee: in one process, a proof is accepted once
// (MemoryReplays); for replicas sharing Redis (dpop/redisreplay), once for
// the fleet; while Redis is down, once per replica.
package dpop
