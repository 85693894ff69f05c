// Package provider verifies JWTs from one or more identity providers.
//
// A Provider says who issues tokens (the exact iss), where its keys are
// (the JWKS URL), which algorithms it signs with and which rules its claims
// follow. The cognito and auth0 packages build Providers for those
// services; OIDC is one for any OpenID Connect issuer, with discovery.
//
// A Verifier holds one key cache (package cache) per provider and routes
// each token by its issuer: a token from an issuer that is not configured
// is rejected before anything is fetched. A token must be three base64url
// segments and nothing else (no padding, no CR or LF, which Go's decoder
// would skip). It then checks the header (alg in the provider's list,
// never "none" or HS*; crit and b64 refused), the signature with the key
// for the token's kid, exp (required) and nbf — JSON numbers, never
// strings — with the configured leeway, and the provider's rules.
// Failures are sentinel errors: each matches one
// category (ErrNoToken, ErrInvalidToken, ErrInsufficientScope,
// ErrKeysUnavailable) and, for invalid tokens, one
// reason (ErrExpired, ErrSignature, …); Reason returns a short code for
// metrics and logs.
//
// A token presented again is answered from the Verifier's bounded cache
// of verified tokens, whose entries serve only while the token's lifetime,
// its key and the entry's age allow, re-checked on every hit (see
// TokenCacheConfig): a map look-up instead of a signature check.
//
// Verifier, OIDC and Claims are safe for concurrent use (a Claims is
// read-only, and shared by the requests that present the same token).
package provider
