package middleware

import (
	"strings"
	"testing"
)

// replayKey has one size whatever the jti, and does not change between
// releases: replicas of two versions share the replay records in Redis.
func TestReplayKey(t *testing.T) {
	const jkt = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
	a, b := replayKey(jkt, strings.Repeat("j", 256)), replayKey(jkt, "j")
	if len(a) != 43 || len(b) != 43 || a == b {
		t.Fatalf("replayKey: %q, %q", a, b)
	}
	if b != "M8yDnAAi7zc24WTgkwlz1VFEJ0liUqgMUAnQUvZqkno" {
		t.Errorf("replayKey(%q, \"j\") = %q: the key of a proof changed", jkt, b)
	}
}
