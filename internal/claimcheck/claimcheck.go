// Package claimcheck holds the checks of a token's audience and type
// that the providers share: NewOIDC's, cognito's and auth0's.
//
// Package provider imports it, so it cannot name *provider.Claims: the
// audience check takes the claims by the methods it reads (HasAudience
// reads in place, so a check costs no allocation unless it refuses), the
// type check takes Claims.Type's value.
package claimcheck

import (
	"fmt"
	"slices"
	"strings"

	"github.com/jwtguard/jwtguard/internal/reasons"
)

// Claims are the token's claims: a *provider.Claims, read in place.
type Claims interface {
	HasAudience(aud string) bool
	Audience() []string
}

// Audience returns nil if the token has one of the accepted audiences,
// else an error matching reasons.Audience.
func Audience(c Claims, accepted []string) error {
	if slices.ContainsFunc(accepted, c.HasAudience) {
		return nil
	}
	return fmt.Errorf("%w: token audience %q, want one of %q", reasons.Audience, c.Audience(), accepted)
}

// Type returns nil if typ, a token's typ header, is the media type want,
// else an error matching reasons.Type: for "at+jwt", an RFC 9068 access
// token, so that an ID token of the same issuer ("JWT") cannot pass for
// one. As RFC 7515 §4.1.9 says, the comparison ignores case and an
// "application/" prefix.
func Type(typ, want string) error {
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
