package provider

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Claims are the verified claims of a token. The fields hold the claims
// this library knows, read by their exact (case-sensitive) names; Lookup,
// Raw and Decode give all of them.
type Claims struct {
	Issuer    string
	Subject   string
	Audience  []string
	ExpiresAt time.Time
	IssuedAt  time.Time // zero if the token has no iat
	NotBefore time.Time // zero if the token has no nbf
	ID        string    // jti

	// ClientID is client_id (Cognito access tokens, RFC 9068) or, without
	// it, azp (Auth0, OIDC).
	ClientID string
	// TokenUse is Cognito's token_use: "access" or "id".
	TokenUse string
	// Scopes are scope (space-separated or an array) or, if the token has
	// no scope claim, scp.
	Scopes []string
	// Groups are cognito:groups or, if the token has no cognito:groups
	// claim, groups.
	Groups []string
	// Permissions are Auth0's RBAC permissions.
	Permissions []string
	// GrantType is Auth0's gty, "client-credentials" for machine-to-machine
	// tokens.
	GrantType string

	json []byte // the claims set
}

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
func (c *Claims) Lookup(name string) (json.RawMessage, bool) {
	var found json.RawMessage
	_ = members(c.json, func(n, v []byte) error {
		if string(n) == name {
			found = v
		}
		return nil
	})
	return found, found != nil
}

// LookupString returns the string claim name, by its exact name; false if
// the token has no such claim or it is not a string.
func (c *Claims) LookupString(name string) (string, bool) {
	v, ok := c.Lookup(name)
	if !ok || len(v) == 0 || v[0] != '"' {
		return "", false
	}
	return str(v), true
}

// LookupList returns the claim name, by its exact name, as a list: a
// string is a list of one, an array keeps its non-empty strings, anything
// else (or no such claim) is nil.
func (c *Claims) LookupList(name string) []string {
	v, _ := c.Lookup(name)
	return decodeListTo(nil, v, false, nil)
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

// Raw returns all claims of the token as a map, decoded anew on each call.
func (c *Claims) Raw() (map[string]any, error) {
	var m map[string]any
	if err := c.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

// HasScope reports whether the token carries scope s.
func (c *Claims) HasScope(s string) bool { return slices.Contains(c.Scopes, s) }

// HasGroup reports whether the token carries group g.
func (c *Claims) HasGroup(g string) bool { return slices.Contains(c.Groups, g) }

// HasPermission reports whether the token carries permission p.
func (c *Claims) HasPermission(p string) bool { return slices.Contains(c.Permissions, p) }

// HasAudience reports whether aud is one of the token's audiences.
func (c *Claims) HasAudience(aud string) bool { return slices.Contains(c.Audience, aud) }
