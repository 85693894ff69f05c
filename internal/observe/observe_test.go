package observe

import (
	"testing"
	"time"
)

type verifications struct{}

func (verifications) Verified(string, error, time.Duration) {}
func (verifications) TokenCached(string, CacheEvent)        {}

type dpopChecks struct{}

func (dpopChecks) Checked(string)          {}
func (dpopChecks) ReplayStoreFailed(error) {}

// collector is a Source the way the metrics collectors are: by embedding
// a Sink.
type collector struct{ Sink }

func pick(h Hooks) Verifications { return h.Verifications }

// Need takes nothing from a nil Source or a nil collector, refuses one
// with no receiver for the package, and hands out the receiver otherwise.
func TestNeed(t *testing.T) {
	var typedNil *collector
	for name, s := range map[string]Source{"nil": nil, "nil collector": typedNil} {
		if got, err := Need(s, pick, "Config.Metrics", "*metrics.Collector"); got != nil || err != nil {
			t.Errorf("%s: %v, %v; want nothing, no error", name, got, err)
		}
	}
	wrong := &collector{} // receives another package's events only
	Fill(&wrong.Sink, Hooks{DPoP: dpopChecks{}})
	if _, err := Need(Source(wrong), pick, "m2m: Config.Metrics", "*metrics.Collector"); err == nil ||
		err.Error() != "m2m: Config.Metrics counts nothing here: give it a *metrics.Collector" {
		t.Errorf("a collector without the receiver: %v", err)
	}
	right := &collector{}
	Fill(&right.Sink, Hooks{Verifications: verifications{}})
	for name, s := range map[string]Source{"collector": right, "*Hooks": &Hooks{Verifications: verifications{}}} {
		if got, err := Need(s, pick, "f", "w"); got == nil || err != nil {
			t.Errorf("%s: %v, %v; want its receiver", name, got, err)
		}
	}
}
