package provider

// Provider describes one token issuer: where its keys are, which
// algorithms it signs with, and the rules its claims must follow.
// Implementations are immutable and safe for concurrent use; those of
// cognito.New, auth0.New and NewOIDC are three.
type Provider interface {
	// Issuer is the exact iss of the provider's tokens.
	Issuer() string
	// JWKSURL is where its signing keys are published.
	JWKSURL() string
	// Algorithms are the JWS algorithms accepted, e.g. "RS256". Only
	// asymmetric algorithms are allowed; nil means RS256.
	Algorithms() []string
	// Validate applies the provider's rules to claims whose signature,
	// issuer and lifetime have been verified. Its errors should match
	// ErrInvalidToken or ErrInsufficientScope (Reason then gives
	// "invalid_token" or "insufficient_scope"). It must depend on the
	// claims alone: the Verifier keeps its verdict with a cached token
	// (TokenCacheConfig). A rule whose answer can change for the same
	// claims belongs in a middleware guard or the handler.
	Validate(*Claims) error
}

// PlainHTTP is implemented by a Provider whose JWKS URL may be plain http
// off loopback because its user said so (OIDCConfig.InsecureAllowHTTP,
// cognito.Config.InsecureAllowHTTP): a stand-in on a private network,
// such as cognito-local in Docker Compose. The Verifier's key cache for
// it then accepts plain http, without a setting of its own. A Provider
// that wraps another (to add a rule) must forward PlainHTTP, or the
// Verifier refuses the wrapped one's plain http URL.
type PlainHTTP interface {
	PlainHTTP() bool
}
