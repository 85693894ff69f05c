// Package provider verifies JWTs from one or more identity providers.
//
// A Provider says who issues tokens (the exact iss), where its keys are
// (the JWKS URL), which algorithms it signs with and which rules its claims
// follow. The cognito and auth0 packages build Providers for those
// services, and NewOIDC one for any OpenID Connect issuer, with discovery.
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
// ErrKeysUnavailable); Reason returns the short code of the reason
// ("expired", "signature", "audience", …) for metrics and logs, and an
// expired token's error also matches ErrExpired (an *ExpiredError).
//
// A token presented again is answered from the Verifier's bounded cache
// of verified tokens, whose entries serve only while the token's lifetime,
// its key and the entry's age allow, re-checked on every hit (see
// TokenCacheConfig): a map look-up instead of a signature check.
//
// # Many issuers
//
// A fixed list (VerifierConfig.Providers) suits issuers known at start-up:
// a pool, a tenant, a few. A service whose customers each bring their own
// issuer — a Cognito user pool, an Auth0 custom domain or tenant, an OIDC
// issuer — onboarded while it runs, and maybe thousands of them, gives a
// Resolver instead (VerifierConfig.Tenants): the Verifier asks it about a
// token's issuer the first time it sees it, holds the answer, and creates
// the tenant's key cache then, evicting idle and least recently used
// tenants beyond a bound. cognito.Resolver, auth0.Resolver and
// OIDCResolver build one from your table of tenants.
//
// The rule that keeps this safe: a token's iss, and anything else the
// request says, only ever selects among the issuers your table holds —
// never where keys are fetched from. A Resolver that answered "yes" to an
// issuer because a token named it would let anyone sign their own tokens.
// Issuers your Resolver refuses cost no fetch and no DNS look-up; answers
// are held, and the Resolver is asked about new issuers at a bounded rate,
// so a flood of invented issuers costs a bounded number of table look-ups.
// Each tenant has its own key cache, unknown-kid cooldown and backoff: a
// tenant under attack or down costs the others nothing. A held tenant
// costs no goroutine and, measured, 3.4 KiB of heap with one Ed25519 key
// or 7.7 KiB with two RSA keys (a Cognito pool's set): 10 000 tenants fit
// in 80 MiB. See TenantsConfig for the lifecycle and
// metrics.Config.IssuerLabel for keeping the metrics' series bounded.
//
// Verifier, Claims and the Providers of NewOIDC are safe for concurrent
// use (a Claims is read-only, and shared by the requests that present the
// same token).
package provider
