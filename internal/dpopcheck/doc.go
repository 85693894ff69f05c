// Package dpopcheck is the server side of DPoP (RFC 9449) that the
// middleware runs and configures through middleware.DPoPConfig: Verify
// checks a request's proof, and Nonces issues and checks the server's
// nonces. Package dpop holds what users touch: the client side, the
// verified Proof the middleware hands out, the errors and the replay
// stores.
//
// Verify runs the checks of RFC 9449 §4.3 that need nothing but the proof
// and the request, and returns the proof. Two checks are the caller's:
// that the access token's cnf.jkt equals Proof.JKT, and that the jti was
// not seen before within the window (a replay, dpop.Replays). Errors
// match dpop.ErrInvalidProof (error="invalid_dpop_proof"), their message
// saying what was wrong and provider.Reason returning its code
// (dpop_malformed, dpop_iat, …), or dpop.ErrUseNonce
// (error="use_dpop_nonce").
//
// Verify and Nonces are safe for concurrent use.
package dpopcheck
