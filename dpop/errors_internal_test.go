package dpop

import (
	"errors"
	"testing"

	"github.com/jwtguard/jwtguard/internal/reasons"
)

// The unexported reasons keep their codes and messages, and each matches
// ErrInvalidProof.
func TestReasons(t *testing.T) {
	for _, tt := range []struct {
		err        error
		code, text string
	}{
		{errKey, "dpop_key", "dpop: proof jwk is not a usable public key"},
		{ErrReplaysFull, "dpop_replays_full", "dpop: too many proofs in the window to remember: refused"},
	} {
		var r *reasons.Error
		if !errors.As(tt.err, &r) || r.Code != tt.code || tt.err.Error() != tt.text || !errors.Is(tt.err, ErrInvalidProof) {
			t.Errorf("%v: want code %q, message %q, matching ErrInvalidProof", tt.err, tt.code, tt.text)
		}
	}
}
