package dpopcheck

import (
	"errors"
	"testing"

	"github.com/jwtguard/jwtguard/dpop"
	"github.com/jwtguard/jwtguard/internal/reasons"
)

// The unexported reasons keep their codes and messages, and each matches
// dpop.ErrInvalidProof.
func TestReasons(t *testing.T) {
	for _, tt := range []struct {
		err        error
		code, text string
	}{
		{errMalformed, "dpop_malformed", "dpop: malformed DPoP proof"},
		{errType, "dpop_type", `dpop: proof typ is not "dpop+jwt"`},
		{errAlgorithm, "dpop_algorithm", "dpop: proof algorithm not allowed"},
		{errKey, "dpop_key", "dpop: proof jwk is not a usable public key"},
		{errSignature, "dpop_signature", "dpop: invalid proof signature"},
		{errMissingClaim, "dpop_missing_claim", "dpop: proof claim missing"},
		{errMethod, "dpop_method", "dpop: proof htm is not the request's method"},
		{errURI, "dpop_uri", "dpop: proof htu is not the request's URI"},
		{errIssuedAt, "dpop_iat", "dpop: proof iat outside the accepted window"},
		{errTokenHash, "dpop_ath", "dpop: proof ath is not the access token's hash"},
	} {
		var r *reasons.Error
		if !errors.As(tt.err, &r) || r.Code != tt.code || tt.err.Error() != tt.text || !errors.Is(tt.err, dpop.ErrInvalidProof) {
			t.Errorf("%v: want code %q, message %q, matching dpop.ErrInvalidProof", tt.err, tt.code, tt.text)
		}
	}
}
