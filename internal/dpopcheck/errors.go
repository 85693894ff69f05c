package dpopcheck

import (
	"github.com/jwtguard/jwtguard/dpop"
	"github.com/jwtguard/jwtguard/internal/reasons"
)

// The reasons a proof is invalid; each matches dpop.ErrInvalidProof. Their
// messages start with "dpop:", the package whose category they are: the
// error's message says what was wrong, and provider.Reason returns the
// code (a metric label).
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
// dpop.ErrInvalidProof as its category.
func newReason(code, msg string) error {
	return reasons.New(code, "dpop: "+msg, dpop.ErrInvalidProof)
}
