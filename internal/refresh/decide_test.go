package refresh

import "testing"

func TestDecide(t *testing.T) {
	tests := []struct {
		name string
		s    Snapshot
		want Action
	}{
		// A value replaced since the caller looked is looked at again, whatever else holds.
		{"replaced fresh", Snapshot{Level: Fresh, Replaced: true}, LookAgain},
		{"replaced none in flight", Snapshot{Level: None, Replaced: true, InFlight: true}, LookAgain},
		{"replaced lacking held", Snapshot{Level: Lacking, Replaced: true, Held: true}, LookAgain},

		{"fresh", Snapshot{Level: Fresh}, Serve},
		{"fresh in flight", Snapshot{Level: Fresh, InFlight: true}, Serve},
		{"fresh sync", Snapshot{Level: Fresh, Sync: true}, Serve},

		// Due: serve, start a refresh if one may start.
		{"due", Snapshot{Level: Due}, ServeAndStart},
		{"due in flight", Snapshot{Level: Due, InFlight: true}, Serve},
		{"due held", Snapshot{Level: Due, Held: true, Failing: true}, Serve},
		{"due sync", Snapshot{Level: Due, Sync: true}, ServeAndStart},

		// Stale: never waits unless refreshes are synchronous and not failing.
		{"stale", Snapshot{Level: Stale}, ServeAndStart},
		{"stale in flight", Snapshot{Level: Stale, InFlight: true}, Serve},
		{"stale held", Snapshot{Level: Stale, Held: true, Failing: true}, Serve},
		{"stale failing, backoff over", Snapshot{Level: Stale, Failing: true}, ServeAndStart},
		{"stale sync", Snapshot{Level: Stale, Sync: true}, StartAndWait},
		{"stale sync in flight", Snapshot{Level: Stale, Sync: true, InFlight: true}, Join},
		{"stale sync failing", Snapshot{Level: Stale, Sync: true, Failing: true}, ServeAndStart},
		{"stale sync failing held", Snapshot{Level: Stale, Sync: true, Failing: true, Held: true}, Serve},
		{"stale sync failing in flight", Snapshot{Level: Stale, Sync: true, Failing: true, InFlight: true}, Serve},

		// None: wait for a refresh, or fail at once while none may start.
		{"none", Snapshot{Level: None}, StartAndWait},
		{"none in flight", Snapshot{Level: None, InFlight: true}, Join},
		{"none held", Snapshot{Level: None, Held: true, Failing: true}, Fail},
		{"none held in flight", Snapshot{Level: None, Held: true, InFlight: true}, Join},
		{"none sync", Snapshot{Level: None, Sync: true}, StartAndWait},

		// Lacking: as None; Held is the cooldown or the backoff.
		{"lacking", Snapshot{Level: Lacking}, StartAndWait},
		{"lacking in flight", Snapshot{Level: Lacking, InFlight: true}, Join},
		{"lacking cooling down", Snapshot{Level: Lacking, Held: true}, Fail},
		{"lacking cooling down in flight", Snapshot{Level: Lacking, Held: true, InFlight: true}, Join},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Decide(tt.s); got != tt.want {
				t.Errorf("Decide(%+v) = %v, want %v", tt.s, got, tt.want)
			}
		})
	}
}

// No snapshot in which the caller holds a value it may serve makes it
// wait, unless refreshes are synchronous (and not failing) or the value
// lacks what the caller needs: the stale-while-revalidate rule, over every
// combination.
func TestDecideNeverWaitsWithAServableValue(t *testing.T) {
	for _, level := range []Level{Fresh, Due, Stale} {
		for bits := range 32 {
			s := Snapshot{
				Level:    level,
				Replaced: bits&1 != 0,
				InFlight: bits&2 != 0,
				Held:     bits&4 != 0,
				Failing:  bits&8 != 0,
				Sync:     bits&16 != 0,
			}
			a := Decide(s)
			waits := a == Join || a == StartAndWait || a == Fail
			if waits && !(s.Sync && !s.Failing && level == Stale) {
				t.Errorf("Decide(%+v) = %v: a servable value was not served", s, a)
			}
		}
	}
}
