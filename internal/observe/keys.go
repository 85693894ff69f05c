package observe

import "time"

// Trigger says why a key set was refreshed.
type Trigger string

// The triggers of a key refresh.
const (
	TriggerInitial    Trigger = "initial"     // first fetch: no keys yet
	TriggerTime       Trigger = "time"        // a look-up found the set expired by time
	TriggerUsage      Trigger = "usage"       // a look-up found the set expired by usage
	TriggerBackground Trigger = "background"  // the background refresh (and its retries)
	TriggerUnknownKID Trigger = "unknown_kid" // a token named a kid not in the set
	TriggerManual     Trigger = "manual"      // Refresh or Load
	TriggerShared     Trigger = "shared"      // another process shared a newer document through the Store
)

// Result is the outcome of a key refresh.
type Result string

// The results of a key refresh.
const (
	ResultUpdated     Result = "updated"      // a new document was parsed and now serves
	ResultNotModified Result = "not_modified" // nothing new: a 304 or the same document, whose lifetime starts again; or a shared document no newer than ours
	ResultError       Result = "error"        // the refresh failed; the current keys stay
)

// KIDAction is what a cache did about a kid it did not hold.
type KIDAction string

// The actions on an unknown kid.
const (
	KIDRefreshed  KIDAction = "refreshed"  // a refresh found the kid
	KIDSuppressed KIDAction = "suppressed" // no refresh: cooldown or backoff
	KIDRejected   KIDAction = "rejected"   // a refresh ran and the kid is still unknown
)

// Refresh describes one refresh of a key set.
type Refresh struct {
	Issuer   string
	Trigger  Trigger
	Result   Result
	Duration time.Duration
	// Keys is the number of usable keys the cache holds after the refresh.
	Keys int
	// FetchedAt is when the document now serving was fetched from the
	// provider (by this process or, through the Store, by another).
	FetchedAt time.Time
	// Shared is true when the document came from the Store, not from the
	// provider.
	Shared bool
	// Err is the failure, for ResultError.
	Err error
}

// Keys receives what a key cache does (package cache).
type Keys interface {
	// Refreshed reports every refresh.
	Refreshed(Refresh)
	// StaleServed reports one look-up served by an expired key set while
	// its refresh ran or failed (stale-while-revalidate).
	StaleServed(issuer string)
	// UnknownKID reports what was done about a kid the set did not hold.
	UnknownKID(issuer string, action KIDAction)
	// StoreFailed reports a Store that could not be used; the cache
	// fetched for itself.
	StoreFailed(issuer string, err error)
}
