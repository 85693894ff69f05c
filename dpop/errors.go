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

// errKey refuses a key a proof cannot be made with, or a thumbprint
// taken of; provider.Reason returns its code.
var errKey = newReason("dpop_key", "proof jwk is not a usable public key")

// newReason returns a refusal of a proof: code, message, and
// ErrInvalidProof as its category.
func newReason(code, msg string) error {
	return reasons.New(code, "dpop: "+msg, ErrInvalidProof)
}
