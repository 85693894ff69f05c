package provider

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jwtguard/jwtguard/internal/jsonobj"
)

// Claims are the verified claims of a token: read-only, and shared — the
// Verifier may hand the same *Claims to every request that presents the
// same token (see TokenCacheConfig), so nothing a handler does through
// its methods can change what another request sees: what they return is
// a copy or a string. (Go cannot stop an assignment through the pointer,
// *c = …: never write to a *Claims.) The methods read the
// claims this library knows, by their exact (case-sensitive) names;
// Lookup and Decode give all of them, iat and nbf among them. A list
// method returns a copy.
// A provider's own claims are read by its package (auth0.Permissions,
// cognito.TokenUseOf).
type Claims struct {
	issuer    string
	subject   string
	audience  []string
	expiresAt time.Time
	id        string
	clientID  string
	scopes    []string
	groups    []string
	boundKey  string

	json   []byte // the claims set
	header []byte // the token's protected header; nil from ParseClaims
}

// Issuer is iss.
func (c *Claims) Issuer() string { return c.issuer }

// Subject is sub.
func (c *Claims) Subject() string { return c.subject }

// Audience is aud, a copy.
func (c *Claims) Audience() []string { return slices.Clone(c.audience) }

// HasAudience reports whether aud is one of the token's audiences.
func (c *Claims) HasAudience(aud string) bool { return slices.Contains(c.audience, aud) }

// ExpiresAt is exp.
func (c *Claims) ExpiresAt() time.Time { return c.expiresAt }

// ID is jti.
func (c *Claims) ID() string { return c.id }

// ClientID is client_id (Cognito access tokens, RFC 9068) or, without it,
// azp (Auth0, OIDC).
func (c *Claims) ClientID() string { return c.clientID }

// Scopes are scope (space-separated or an array) or, if the token has no
// scope claim, scp; a copy.
func (c *Claims) Scopes() []string { return slices.Clone(c.scopes) }

// Groups are cognito:groups or, if the token has no cognito:groups claim,
// groups; a copy. Cognito's name is known here, where its other claims
// are not (cognito.TokenUseOf), because groups have one rule for every
// issuer — this one, which middleware.RequireGroups and
// cognito.Config.RequiredGroups share through HasGroup — so that one
// guard means one thing whichever issuer signed the token.
func (c *Claims) Groups() []string { return slices.Clone(c.groups) }

// BoundKey is cnf.jkt: the RFC 7638 thumbprint of the key the token is
// bound to (RFC 9449 §6.1, DPoP), or "" for a bearer token. A bound token
// is worth nothing without a proof made with that key (package dpop), and
// the middleware never accepts one as a bearer token.
func (c *Claims) BoundKey() string { return c.boundKey }

// ParseClaims decodes a JSON claims set the way Verify does after
// checking a token, without checking anything: for tests of handlers and
// provider rules, and for tools. It never makes a token valid.
func ParseClaims(claimsJSON []byte) (*Claims, error) {
	w := new(wireClaims)
	b := bytes.Clone(claimsJSON)
	w.doc = docOf(b)
	if err := w.decode(b); err != nil {
		return nil, fmt.Errorf("provider: decoding claims: %w", err)
	}
	return w.claims(), nil
}

// Lookup returns the claim name, by its exact name, as raw JSON (of a
// name given twice, the last, as everywhere else).
func (c *Claims) Lookup(name string) (json.RawMessage, bool) { return member(c.json, name) }

// LookupHeader returns the member name of the token's protected header
// (typ, kid, alg, …), by its exact name, as raw JSON: for rules about the
// header. Claims from ParseClaims have no header.
func (c *Claims) LookupHeader(name string) (json.RawMessage, bool) {
	return member(c.header, name)
}

// Type is the token's typ header, "" if it has none or it is not a
// string: "at+jwt" for an RFC 9068 access token, usually "JWT" for an ID
// token.
func (c *Claims) Type() string {
	s, _ := stringMember(c.header, "typ")
	return s
}

// stringMember returns the string value of the last member name of the
// JSON object obj, a view of obj where it holds no escape: obj, a token's
// part held by Claims, never changes.
func stringMember(obj []byte, name string) (string, bool) {
	var v []byte
	o := jsonobj.Object{B: obj}
	for o.Next() {
		if string(o.Name) == name {
			v = o.Value
		}
	}
	if len(v) == 0 || v[0] != '"' {
		return "", false
	}
	d := docOf(obj)
	return d.string(v), true
}

// member returns a copy of the value of the last member name of the JSON
// object obj (nil: none): the claims are shared, and their bytes back
// their strings.
func member(obj []byte, name string) (json.RawMessage, bool) {
	var found []byte
	o := jsonobj.Object{B: obj}
	for o.Next() {
		if string(o.Name) == name {
			found = o.Value
		}
	}
	if found == nil {
		return nil, false
	}
	return bytes.Clone(found), true
}

// LookupString returns the string claim name, by its exact name; false if
// the token has no such claim or it is not a string.
func (c *Claims) LookupString(name string) (string, bool) {
	return stringMember(c.json, name)
}

// Decode unmarshals all claims of the token into v, for claims of your own:
//
//	var extra struct{ TenantID string `json:"custom:tenant_id"` }
//	err := claims.Decode(&extra)
//
// It is encoding/json's Unmarshal, whose struct fields also match names
// that differ in case; where that matters, use Lookup.
func (c *Claims) Decode(v any) error {
	if err := json.Unmarshal(c.json, v); err != nil {
		return fmt.Errorf("provider: decoding claims: %w", err)
	}
	return nil
}

// HasScope reports whether the token carries scope s.
func (c *Claims) HasScope(s string) bool { return slices.Contains(c.scopes, s) }

// HasGroup reports whether the token carries group g (of Groups).
func (c *Claims) HasGroup(g string) bool { return slices.Contains(c.groups, g) }
