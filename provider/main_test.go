package provider_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves a goroutine behind: every
// Verifier's caches must stop on Close.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
