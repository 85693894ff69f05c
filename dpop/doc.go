// Package dpop is DPoP (RFC 9449) as a user of jwtguard touches it: the
// proof of possession that binds an access token to a key the client
// holds, so that a token lifted from a log, a proxy or a browser is worth
// nothing without the key.
//
// A client sends, with "Authorization: DPoP <token>", one header
// "DPoP: <proof>": a JWT of typ dpop+jwt, signed with its private key,
// carrying the public key (jwk), the request's method (htm) and URI (htu),
// when it was made (iat), a unique id (jti), the hash of the access token
// (ath) and, when the server asks, the server's nonce. The token's
// cnf.jkt names the key by its RFC 7638 thumbprint (Thumbprint).
//
// The client side: NewProof makes that proof with any crypto.Signer (a
// key in a KMS or HSM will do); package m2m makes them for its
// DPoP-bound tokens and the requests that carry them.
//
// The server side is the middleware's, configured through
// [github.com/jwtguard/jwtguard/middleware.DPoPConfig]: modes, proof
// algorithms, the iat window, server nonces, proxies, and a replay store.
// This package holds what it hands out and takes:
//
//   - Proof, the verified proof of a request (middleware.ProofFromContext).
//   - The errors a refusal matches, given to middleware.Config.ErrorHandler:
//     ErrInvalidProof (error="invalid_dpop_proof"; provider.Reason returns
//     its code: dpop_malformed, dpop_iat, dpop_replay, …), ErrUseNonce
//     (error="use_dpop_nonce"), and ErrReplaysFull.
//   - Replays, the contract of a replay store, and NewMemoryReplays, the
//     one in this process's memory (the default); dpop/redisreplay keeps
//     them in Redis for a fleet.
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
// forwarding headers of anyone else are ignored. Server nonces
// (DPoPConfig.NonceSecret) make a proof made in advance useless, at the
// price of one 401 per client per nonce period.
//
// The replay guarantee: in one process, a proof is accepted once
// (NewMemoryReplays); for replicas sharing Redis (dpop/redisreplay), once
// for the fleet; while Redis is down, once per replica.
//
// NewProof, Thumbprint and the Replays of NewMemoryReplays are safe for
// concurrent use.
package dpop
