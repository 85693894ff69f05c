package testissuer

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http/httptest"
	"net/url"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// NewCognito starts an Issuer that stands in for the Amazon Cognito user
// pool poolID, as cognito.Config{Endpoint: iss.Server.URL, UserPoolID:
// poolID} expects: its issuer (URL) is Server.URL + "/" + poolID, its keys
// are at URL + JWKSPath, and CognitoToken mints tokens shaped like the
// pool's. Close it when done.
func NewCognito(poolID string) *Issuer {
	return start(httptest.NewServer, true, "/"+poolID)
}

// CognitoToken mints a token of a Cognito pool for username, valid for an
// hour: an access token for use "access" (token_use, client_id, scope
// aws.cognito.signin.user.admin, username) or an ID token for use "id"
// (token_use, aud, cognito:username), with cognito:groups if groups are
// given.
func (i *Issuer) CognitoToken(use, clientID, username string, groups ...string) string {
	extra := jwt.MapClaims{"token_use": use, "auth_time": time.Now().Unix(), "jti": newJTI()}
	aud := ""
	if use == "id" {
		aud = clientID
		extra["cognito:username"] = username
	} else {
		extra["client_id"] = clientID
		extra["scope"] = "aws.cognito.signin.user.admin"
		extra["username"] = username
	}
	if len(groups) > 0 {
		extra["cognito:groups"] = groups
	}
	return i.Sign("", i.Claims(userSub(username), aud, time.Hour, extra))
}

// userSub is the sub of a pool's user: a UUID, the same for one username.
func userSub(username string) string {
	h := sha256.Sum256([]byte(username))
	x := hex.EncodeToString(h[:16])
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}

// NewAuth0 starts an Issuer over https that stands in for an Auth0
// tenant, as auth0.Config{Domain: iss.Domain()} expects: its issuer is
// https://<Domain>/, with Auth0's trailing slash; Auth0Token mints access
// tokens with RBAC permissions, and the token endpoint client-credentials
// tokens with gty and azp (SetClient registers a client). Give the
// Verifier's key cache Server.Client(), which trusts its certificate.
// Close it when done.
func NewAuth0() *Issuer {
	i := start(httptest.NewTLSServer, true, "")
	i.SetIssuer(i.URL + "/")
	return i
}

// Domain returns the host and port of the Issuer: its Auth0 domain.
func (i *Issuer) Domain() string {
	u, err := url.Parse(i.Server.URL)
	if err != nil {
		panic("issuertest: the server's URL: " + err.Error())
	}
	return u.Host
}

// Auth0Token mints an access token of an Auth0 tenant for sub and the API
// audience, valid for an hour, with the RBAC permissions given (as the
// API's "Add Permissions in the Access Token" setting puts them).
func (i *Issuer) Auth0Token(sub, audience string, permissions ...string) string {
	extra := jwt.MapClaims{"azp": "issuertest-app", "jti": newJTI()}
	if len(permissions) > 0 {
		extra["permissions"] = permissions
	}
	return i.Sign("", i.Claims(sub, audience, time.Hour, extra))
}
