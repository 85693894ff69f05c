// Package issuertest runs an identity provider for tests and demos, the
// way net/http/httptest runs a server: it generates signing keys, serves
// them as a JWKS (and an OpenID configuration) from an httptest.Server,
// mints tokens, runs a client-credentials token endpoint, counts fetches
// and mints, and can be made to fail.
//
// A handler test in a few lines:
//
//	iss := issuertest.New()
//	defer iss.Close()
//	p, err := provider.NewOIDC(ctx, provider.OIDCConfig{Issuer: iss.URL, Audiences: []string{"api"}})
//	…
//	token := iss.Token("alice", "api", map[string]any{"scope": "read"})
//
// NewCognito and NewAuth0 stand in for an Amazon Cognito user pool and an
// Auth0 tenant; AddKey and Remove rotate keys; SetStatus takes the
// provider down. To test a handler without a token, provider.ParseClaims
// builds claims from JSON and middleware.NewContext puts them in a
// request's context.
//
// An Issuer is safe for concurrent use. It is meant for tests and local
// demos only: its keys live in memory and its endpoints have no access
// control.
package issuertest

import (
	"net/http/httptest"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/internal/testissuer"
)

// TokenPath is where, under URL, an Issuer serves its token endpoint. Its
// key set is at JWKSURL, and its OpenID configuration where discovery
// looks for it, at URL + "/.well-known/openid-configuration".
//
// The token endpoint signs with the first key. Its parameters come from
// the query, a form body or a JSON object body (string values):
//
//   - grant_type=client_credentials, with client_id and client_secret (in
//     the body or HTTP Basic): a machine-to-machine token as Auth0 mints
//     it — sub "<client_id>@clients", aud from audience, or else from the
//     resource parameters (RFC 8707; several make an array), scope from
//     scope, gty "client-credentials", azp the client id and a random
//     jti. Any credentials are accepted until a client is registered with
//     SetClient; from then on an unregistered id or a wrong secret is
//     answered 401 invalid_client. The answer is {"access_token",
//     "token_type": "Bearer", "expires_in"} (and "scope" if one was asked
//     for).
//   - anything else (a demo convenience, GET or POST): a token for the
//     parameters sub, aud, scope and groups (comma-separated).
//
// Both take ttl, a Go duration (default 1h; negative mints an expired
// token); a malformed request is answered 400 invalid_request. With a
// DPoP header (RFC 9449 §5) the proof is checked — its htu the endpoint's
// URL — and the token bound to its key: cnf.jkt, and token_type "DPoP".
const TokenPath = "/token"

// Issuer is a running test identity provider. URL is its issuer (no
// trailing slash) and the base of its endpoints. Server is the
// httptest.Server it runs on: Server.Client() trusts the certificate of
// NewTLS and NewAuth0, and Server.URL is the endpoint of NewCognito's
// pool.
type Issuer struct {
	URL    string
	Server *httptest.Server

	iss *testissuer.Issuer
}

func wrap(i *testissuer.Issuer) *Issuer { return &Issuer{URL: i.URL, Server: i.Server, iss: i} }

// New starts an Issuer over plain http on loopback with one RS256 key.
// Close it when done.
func New() *Issuer { return wrap(testissuer.New()) }

// NewTLS is New over https (use Server.Client() to trust it).
func NewTLS() *Issuer { return wrap(testissuer.NewTLS()) }

// NewCognito starts an Issuer that stands in for the Amazon Cognito user
// pool poolID, as cognito.Config{Endpoint: iss.Server.URL, UserPoolID:
// poolID} expects: its issuer (URL) is Server.URL + "/" + poolID, its keys
// are at JWKSURL, and CognitoToken mints tokens shaped like the pool's.
// Close it when done.
func NewCognito(poolID string) *Issuer { return wrap(testissuer.NewCognito(poolID)) }

// NewAuth0 starts an Issuer over https that stands in for an Auth0
// tenant, as auth0.Config{Domain: iss.Domain()} expects: its issuer is
// https://<Domain>/, with Auth0's trailing slash; Auth0Token mints access
// tokens with RBAC permissions, and the token endpoint (TokenPath)
// client-credentials tokens with gty and azp (SetClient registers a
// client). Give the Verifier's key cache Server.Client(), which trusts its
// certificate. Close it when done.
func NewAuth0() *Issuer { return wrap(testissuer.NewAuth0()) }

// Close shuts the server down.
func (i *Issuer) Close() { i.iss.Close() }

// Issuer returns the iss of minted tokens: URL, or for NewAuth0 URL + "/".
func (i *Issuer) Issuer() string { return i.iss.Issuer() }

// JWKSURL is the URL of the key set.
func (i *Issuer) JWKSURL() string { return i.iss.JWKSURL() }

// Token signs a token with the first key for sub and aud, valid for an
// hour, with extra claims: iss, sub, aud, iat and exp, then extra, which
// may override any of them (e.g. an exp in the past for an expired token).
func (i *Issuer) Token(sub, aud string, extra jwt.MapClaims) string {
	return i.iss.Token(sub, aud, extra)
}

// Claims returns claims for a token of this issuer: iss, sub, aud (none
// if aud is ""), iat and exp (ttl from now; a negative ttl for an expired
// token), plus extra. Sign them with a key of AddKey: iss.Sign(kid,
// iss.Claims(…)).
func (i *Issuer) Claims(sub, aud string, ttl time.Duration, extra jwt.MapClaims) jwt.MapClaims {
	return i.iss.Claims(sub, aud, ttl, extra)
}

// Sign signs claims, as they are, with the published (or removed) key
// kid; "" means the first published key. The header carries the kid and
// the key's alg. It panics if there is no such key.
func (i *Issuer) Sign(kid string, claims jwt.MapClaims) string { return i.iss.Sign(kid, claims) }

// KID returns the kid of the first published key (the one Token and the
// token endpoint sign with).
func (i *Issuer) KID() string { return i.iss.KID() }

// AddKey generates a key for alg (RS256/384/512, PS256/384/512,
// ES256/384/512 or EdDSA), publishes it after the keys already published
// and returns its kid, for Sign. With Remove, it rotates keys.
func (i *Issuer) AddKey(alg string) string { return i.iss.AddKey(alg) }

// Remove unpublishes the key kid (tokens it signs stop verifying once
// caches refresh). The key can still sign.
func (i *Issuer) Remove(kid string) { i.iss.Remove(kid) }

// SetStatus makes the JWKS endpoint answer with status and no keys, e.g.
// http.StatusServiceUnavailable to test how a service rides out its
// provider being down (0: serve normally). The token endpoint is not
// affected.
func (i *Issuer) SetStatus(status int) { i.iss.SetStatus(status) }

// Fetches is the number of JWKS requests served (any status).
func (i *Issuer) Fetches() int64 { return i.iss.Fetches() }

// Mints is the number of tokens issued by the token endpoint.
func (i *Issuer) Mints() int64 { return i.iss.Mints() }

// SetClient registers a client for the client-credentials grant of the
// token endpoint (TokenPath). Once any client is registered, that grant
// requires a registered id and secret.
func (i *Issuer) SetClient(id, secret string) { i.iss.SetClient(id, secret) }
