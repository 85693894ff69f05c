package provider

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Claims are the verified claims of a token. The fields hold the claims
// this library knows; Decode and Raw give all of them.
type Claims struct {
	Issuer    string
	Subject   string
	Audience  []string
	ExpiresAt time.Time
	IssuedAt  time.Time // zero if the token has no iat
	NotBefore time.Time // zero if the token has no nbf
	ID        string    // jti

	// ClientID is client_id (Cognito access tokens, RFC 9068) or else azp
	// (Auth0, OIDC).
	ClientID string
	// TokenUse is Cognito's token_use: "access" or "id".
	TokenUse string
	// Scopes are scope (space-separated or an array) or else scp.
	Scopes []string
	// Groups are cognito:groups or else groups.
	Groups []string
	// Permissions are Auth0's RBAC permissions.
	Permissions []string
	// GrantType is Auth0's gty, "client-credentials" for machine-to-machine
	// tokens.
	GrantType string

	payload string // the base64url claims segment, decoded on demand
}

// Decode unmarshals all claims of the token into v, for claims of your own:
//
//	var extra struct{ TenantID string `json:"custom:tenant_id"` }
//	err := claims.Decode(&extra)
func (c *Claims) Decode(v any) error {
	b, err := base64.RawURLEncoding.DecodeString(c.payload)
	if err != nil {
		return fmt.Errorf("provider: decoding claims: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("provider: decoding claims: %w", err)
	}
	return nil
}

// Raw returns all claims of the token as a map, decoded anew on each call.
func (c *Claims) Raw() (map[string]any, error) {
	var m map[string]any
	err := c.Decode(&m)
	return m, err
}

// HasScope reports whether the token carries scope s.
func (c *Claims) HasScope(s string) bool { return slices.Contains(c.Scopes, s) }

// HasGroup reports whether the token carries group g.
func (c *Claims) HasGroup(g string) bool { return slices.Contains(c.Groups, g) }

// HasPermission reports whether the token carries permission p.
func (c *Claims) HasPermission(p string) bool { return slices.Contains(c.Permissions, p) }

// HasAudience reports whether aud is one of the token's audiences.
func (c *Claims) HasAudience(aud string) bool { return slices.Contains(c.Audience, aud) }
