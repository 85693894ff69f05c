package dpop

import (
	"errors"

	"github.com/jwtguard/jwtguard/internal/reasons"
)

// The categories of a refused proof, as RFC 9449 §7.1 answers them.
var (
	// ErrInvalidProof: the proof is malformed, or fails a check
	// (error="invalid_dpop_proof"). Every refusal of a proof but
	// ErrUseNonce matches it, ErrReplaysFull too; the error's message and
	// provider.Reason say what was wrong.
	ErrInvalidProof = errors.New("dpop: invalid DPoP proof")
	// ErrUseNonce: the proof lacks the server's current nonce
	// (error="use_dpop_nonce", with a fresh DPoP-Nonce).
	ErrUseNonce error = reasons.New("dpop_nonce", "dpop: the proof must carry the server's nonce", nil)
)

// ErrReplaysFull: the replay store holds as many live proofs as it may;
// new ones are refused until some leave their window. It matches
// ErrInvalidProof.
var ErrReplaysFull = newReason("dpop_replays_full", "too many proofs in the window to remember: refused")

// The reasons a proof is invalid; each matches ErrInvalidProof. They are
// not exported: the error's message says what was wrong, and
// provider.Reason returns the code (a metric label).
var (
	errMalformed    = newReason("dpop_malformed", "malformed DPoP proof")
	errType         = newReason("dpop_type", `proof typ is not "dpop+jwt"`)
	errAlgorithm    = newReason("dpop_algorithm", "proof algorithm not allowed")
	errKey          = newReason("dpop_key", "proof jwk is not a usable public key")
	errSignature    = newReason("dpop_signature", "invalid proof signature")
	errMissingClaim = newReason("dpop_missing_claim", "proof claim missing")
	errMethod       = newReason("dpop_method", "proof htm is not the request's method")
	errURI          = newReason("dpop_uri", "proof htu is not the request's URI")
	errIssuedAt     = newReason("dpop_iat", "proof iat outside the accepted window")
	errTokenHash    = newReason("dpop_ath", "proof ath is not the access token's hash")
)

// newReason returns a refusal of a proof: code, message, and
// ErrInvalidProof as its category.
func newReason(code, msg string) error {
	return reasons.New(code, "dpop: "+msg, ErrInvalidProof)
}
