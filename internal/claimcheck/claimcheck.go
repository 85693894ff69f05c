// Package claimcheck holds the checks of a token's audience and type
// that the providers share: NewOIDC's, cognito's and auth0's.
//
// Package provider imports it, so it cannot name *provider.Claims: the
// checks take plain values, and provider sets AudienceOf and TypeOf,
// through which cognito and auth0 read those values of a *provider.Claims
// as provider does — views, not the copies Claims's methods make — so
// that a check costs no allocation unless it refuses.
package claimcheck

import (
	"fmt"
	"slices"
	"strings"

	"github.com/jwtguard/jwtguard/internal/reasons"
)

// AudienceOf returns the audience (aud) of claims, a *provider.Claims,
// and TypeOf its typ header ("" if it has none, or not a string). What
// they return is the claims' own: read it, never change it. Package
// provider sets them when it is initialized.
var (
	AudienceOf func(claims any) []string
	TypeOf     func(claims any) string
)

// Audience returns nil if one of aud, a token's audiences, is one of the
// accepted, else an error matching reasons.Audience.
func Audience(aud, accepted []string) error {
	for _, a := range aud {
		if slices.Contains(accepted, a) {
			return nil
		}
	}
	return fmt.Errorf("%w: token audience %q, want one of %q", reasons.Audience, aud, accepted)
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
