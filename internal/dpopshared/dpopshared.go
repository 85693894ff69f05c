// Package dpopshared holds what package dpop shares with the middleware,
// so that neither has to export it.
package dpopshared

import (
	"crypto/sha256"
	"encoding/base64"
)

// Algorithms are the proof algorithms accepted unless dpop.Options say
// otherwise: asymmetric ones only, never "none" or HS*. Read it, never
// change it.
var Algorithms = []string{"ES256", "ES384", "ES512", "EdDSA", "PS256", "RS256"}

// ReplayKey is what a dpop.Replays remembers of a proof with key
// thumbprint jkt and jti: the SHA-256 of both (jti is the client's
// choice; scoped to its key, one client cannot use another's), 43
// characters whatever the jti.
func ReplayKey(jkt, jti string) string {
	sum := sha256.Sum256([]byte(jkt + "." + jti))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
