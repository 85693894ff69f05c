package provider

import (
	"fmt"
	"slices"
	"strings"

	"github.com/jwtguard/jwtguard/internal/reasons"
)

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
// it then accepts plain http, without a setting of its own.
type PlainHTTP interface {
	PlainHTTP() bool
}

// CheckAudience returns nil if the token has one of the accepted audiences,
// else an error matching ErrInvalidToken (reason "audience").
func CheckAudience(c *Claims, accepted []string) error {
	for _, a := range c.audience {
		if slices.Contains(accepted, a) {
			return nil
		}
	}
	return fmt.Errorf("%w: token audience %q, want one of %q", reasons.Audience, c.audience, accepted)
}

// CheckType returns nil if the token's typ header is the media type want,
// else an error matching ErrInvalidToken (reason "type"): for "at+jwt",
// an RFC 9068 access token, so that an ID token of the same issuer ("JWT") cannot pass for one. As
// RFC 7515 §4.1.9 says, the comparison ignores case and an
// "application/" prefix.
func CheckType(c *Claims, want string) error {
	v, ok := c.LookupHeader("typ")
	typ := ""
	if ok && len(v) > 0 && v[0] == '"' {
		typ = str(v)
	}
	if !strings.EqualFold(mediaType(typ), mediaType(want)) || typ == "" {
		return fmt.Errorf("%w: typ %q, want %q", reasons.Type, typ, want)
	}
	return nil
}

// mediaType is typ without an "application/" prefix.
func mediaType(typ string) string {
	if len(typ) > len("application/") && strings.EqualFold(typ[:len("application/")], "application/") {
		return typ[len("application/"):]
	}
	return typ
}
