package issuertest

import (
	"crypto"

	"github.com/golang-jwt/jwt/v5"
)

// CognitoToken mints a token of a Cognito pool for username, valid for an
// hour: an access token for use "access" (token_use, client_id, scope
// aws.cognito.signin.user.admin, username) or an ID token for use "id"
// (token_use, aud, cognito:username), with cognito:groups if groups are
// given. Its sub is a UUID derived from username.
func (i *Issuer) CognitoToken(use, clientID, username string, groups ...string) string {
	return i.iss.CognitoToken(use, clientID, username, groups...)
}

// Auth0Token mints an access token of an Auth0 tenant for sub and the API
// audience, valid for an hour, with the RBAC permissions given (as the
// API's "Add Permissions in the Access Token" setting puts them).
func (i *Issuer) Auth0Token(sub, audience string, permissions ...string) string {
	return i.iss.Auth0Token(sub, audience, permissions...)
}

// Domain returns the host and port of the Issuer: its Auth0 domain.
func (i *Issuer) Domain() string { return i.iss.Domain() }

// DPoPToken mints an access token for sub and aud, valid for an hour,
// bound to key (cnf.jkt, RFC 9449 §6.1), with extra claims: worth nothing
// without a proof made with key's private half (see dpop.NewProof).
func (i *Issuer) DPoPToken(sub, aud string, key crypto.PublicKey, extra jwt.MapClaims) string {
	return i.iss.DPoPToken(sub, aud, key, extra)
}
