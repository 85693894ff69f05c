package provider

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
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

// wireClaims is what a token's payload is decoded into, once.
type wireClaims struct {
	jwt.RegisteredClaims
	Scope         spaceList  `json:"scope"`
	Scp           spaceList  `json:"scp"`
	CognitoGroups stringList `json:"cognito:groups"`
	Groups        stringList `json:"groups"`
	Permissions   stringList `json:"permissions"`
	ClientID      string     `json:"client_id"`
	AZP           string     `json:"azp"`
	TokenUse      string     `json:"token_use"`
	GTY           string     `json:"gty"`
}

func (w *wireClaims) claims(payload string) *Claims {
	c := &Claims{
		Issuer:      w.Issuer,
		Subject:     w.Subject,
		Audience:    w.Audience,
		ID:          w.ID,
		ClientID:    cmpOr(w.ClientID, w.AZP),
		TokenUse:    w.TokenUse,
		Scopes:      cmpOrList(w.Scope, w.Scp),
		Groups:      cmpOrList(w.CognitoGroups, w.Groups),
		Permissions: w.Permissions,
		GrantType:   w.GTY,
		payload:     payload,
	}
	if w.ExpiresAt != nil {
		c.ExpiresAt = w.ExpiresAt.Time
	}
	if w.IssuedAt != nil {
		c.IssuedAt = w.IssuedAt.Time
	}
	if w.NotBefore != nil {
		c.NotBefore = w.NotBefore.Time
	}
	return c
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func cmpOrList[L ~[]string](a, b L) []string {
	if len(a) > 0 {
		return a
	}
	return b
}

// stringList decodes a string or an array of strings. Other values decode
// to nothing rather than failing the token: a claim this library reads
// for authorization then simply grants nothing.
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	*l = decodeList(b, false)
	return nil
}

// spaceList is a stringList whose string form is space-separated (scope).
type spaceList []string

func (l *spaceList) UnmarshalJSON(b []byte) error {
	*l = decodeList(b, true)
	return nil
}

func decodeList(b []byte, split bool) []string {
	var s string
	if json.Unmarshal(b, &s) == nil {
		if split {
			return strings.Fields(s)
		}
		if s == "" {
			return nil
		}
		return []string{s}
	}
	var raw []any
	if json.Unmarshal(b, &raw) != nil {
		return nil
	}
	out := make([]string, 0, len(raw))
	for _, v := range raw {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
