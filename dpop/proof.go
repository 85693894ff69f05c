package dpop

import (
	"crypto"
	"time"
)

// Proof is a verified DPoP proof: what middleware.ProofFromContext hands
// the handler of a request the middleware accepted with one.
type Proof struct {
	// JKT is the RFC 7638 thumbprint of the proof's key (Thumbprint): the
	// access token's cnf.jkt is it.
	JKT string
	// Key is the proof's public key.
	Key crypto.PublicKey
	// ID is jti: with JKT, what a replay check remembers.
	ID string
	// IssuedAt is iat.
	IssuedAt time.Time
	// Expires is how long a replay check must remember the proof:
	// IssuedAt + the middleware's Window, when it stops taking the proof,
	// + its Leeway, a margin for the clocks of the replicas that share
	// the check (Replays.Seen's expires).
	Expires time.Time
}
