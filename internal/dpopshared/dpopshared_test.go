package dpopshared_test

import (
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/internal/dpopshared"
)

// ReplayKey has one size whatever the jti.
func TestReplayKey(t *testing.T) {
	a := dpopshared.ReplayKey("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", strings.Repeat("j", 256))
	b := dpopshared.ReplayKey("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", "j")
	if len(a) != 43 || len(b) != 43 || a == b {
		t.Fatalf("ReplayKey: %q, %q", a, b)
	}
}
