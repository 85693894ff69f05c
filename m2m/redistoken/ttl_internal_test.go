package redistoken

import (
	"testing"
	"time"
)

// m2mDefaultTimeout is the default Timeout of m2m.Config and
// m2m.ProxyConfig, as their fields document it.
const m2mDefaultTimeout = 30 * time.Second

// The lock of a process that died while minting expires before the
// others, waiting at most m2m's default Timeout, give up: they take over.
func TestLockTTLDefaultBelowM2MTimeout(t *testing.T) {
	if defaultLockTTL >= m2mDefaultTimeout {
		t.Fatalf("the default LockTTL %v is not shorter than m2m's default Timeout %v", defaultLockTTL, m2mDefaultTimeout)
	}
}
