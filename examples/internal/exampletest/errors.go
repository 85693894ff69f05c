package exampletest

import (
	"strings"
	"testing"
)

// WantError checks err against want: a part of the message the error must
// have, or "" if there must be none. On a mismatch it fails t at once. It
// reports whether an error was wanted, so that a subtest of a failure can
// stop there:
//
//	cfg, err := parseConfig(tt.args, getenv, io.Discard)
//	if exampletest.WantError(t, err, tt.wantErr) {
//		return
//	}
func WantError(t testing.TB, err error, want string) bool {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return false
	}
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error = %v, want one containing %q", err, want)
	}
	return true
}
