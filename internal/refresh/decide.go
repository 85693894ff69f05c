package refresh

// Level is what the value a caller found can do for it.
type Level uint8

// The levels of a value.
const (
	// None: nothing to serve — no value yet, or one that must no longer
	// serve (a key set past MaxStale, an expired token).
	None Level = iota
	// Fresh: serve it; nothing to do.
	Fresh
	// Due: serve it; a refresh is due.
	Due
	// Stale: past its lifetime but within its grace: serve it while a
	// refresh runs, unless refreshes are synchronous.
	Stale
	// Lacking: it serves, but lacks what this caller needs (a kid it does
	// not hold): only a refresh can help.
	Lacking
)

// Snapshot is everything a decision reads, taken at one instant.
type Snapshot struct {
	Level Level
	// Replaced: the value the caller found is no longer the current one.
	Replaced bool
	// InFlight: a refresh is running.
	InFlight bool
	// Held: no refresh may start now (backing off after failures, or the
	// caller's trigger is cooling down).
	Held bool
	// Failing: the last refresh failed.
	Failing bool
	// Sync: background refresh is off; an expired value waits for its
	// refresh, unless refreshes are failing.
	Sync bool
}

// Action is what a caller does.
type Action uint8

// The actions.
const (
	Serve         Action = iota // hand out the value found
	ServeAndStart               // hand it out, and start a refresh
	Join                        // wait for the refresh in flight
	StartAndWait                // start a refresh and wait for it
	Fail                        // nothing to hand out, nothing to wait for
	LookAgain                   // the value changed since the caller looked
)

var actionNames = [...]string{"Serve", "ServeAndStart", "Join", "StartAndWait", "Fail", "LookAgain"}

func (a Action) String() string { return actionNames[a] }

// Decide is the one decision of the engine: what a caller does with the
// value it found, given the engine's state. It is the whole
// stale-while-revalidate rule: a value that can serve is served, and only
// a caller with nothing to serve (or a synchronous refresh, or a lacking
// value) waits.
func Decide(s Snapshot) Action {
	if s.Replaced {
		return LookAgain
	}
	switch s.Level {
	case Fresh:
		return Serve
	case Stale:
		if s.Sync && !s.Failing {
			return waitFor(s)
		}
		fallthrough
	case Due:
		if s.InFlight || s.Held {
			return Serve
		}
		return ServeAndStart
	default: // None, Lacking
		return waitFor(s)
	}
}

// waitFor is the action of a caller that can only be served by a refresh.
func waitFor(s Snapshot) Action {
	switch {
	case s.InFlight:
		return Join
	case s.Held && s.Level == Stale:
		return Serve
	case s.Held:
		return Fail
	}
	return StartAndWait
}
