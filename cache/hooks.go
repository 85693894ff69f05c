package cache

import "time"

// Trigger says why a refresh ran.
type Trigger string

// The triggers of a refresh.
const (
	TriggerInitial    Trigger = "initial"     // first fetch: no keys yet
	TriggerTime       Trigger = "time"        // a look-up found the set expired by time
	TriggerUsage      Trigger = "usage"       // a look-up found the set expired by usage
	TriggerBackground Trigger = "background"  // the background refresh (and its retries)
	TriggerUnknownKID Trigger = "unknown_kid" // a token named a kid not in the set
	TriggerManual     Trigger = "manual"      // Refresh or Load
	TriggerShared     Trigger = "shared"      // another process shared a newer document through Store
)

// Result is the outcome of a refresh.
type Result string

// The results of a refresh.
const (
	ResultUpdated     Result = "updated"      // a new document was parsed and now serves
	ResultNotModified Result = "not_modified" // nothing new: a 304 or the same document, whose lifetime starts again; or a shared document no newer than ours
	ResultError       Result = "error"        // the refresh failed; the current keys stay
)

// UnknownKIDAction is what the cache did about a kid it did not hold.
type UnknownKIDAction string

// The actions on an unknown kid.
const (
	KIDRefreshed  UnknownKIDAction = "refreshed"  // a refresh found the kid
	KIDSuppressed UnknownKIDAction = "suppressed" // no refresh: cooldown or backoff
	KIDRejected   UnknownKIDAction = "rejected"   // a refresh ran and the kid is still unknown
)

// RefreshEvent describes one refresh.
type RefreshEvent struct {
	Issuer   string
	Trigger  Trigger
	Result   Result
	Duration time.Duration
	// Keys is the number of usable keys the cache holds after the refresh.
	Keys int
	// FetchedAt is when the document now serving was fetched from the
	// provider (by this process or, through Store, by another).
	FetchedAt time.Time
	// Shared is true when the document came from Store, not from the
	// provider.
	Shared bool
	// Err is the failure, for ResultError.
	Err error
}

// Hooks receives what the cache does. Methods are called synchronously,
// StaleServed and UnknownKID on the verification path: keep them cheap and
// safe for concurrent use. The metrics package implements Hooks.
type Hooks interface {
	// Refreshed reports every refresh.
	Refreshed(RefreshEvent)
	// StaleServed reports one look-up served by an expired key set while
	// its refresh ran or failed (stale-while-revalidate).
	StaleServed(issuer string)
	// UnknownKID reports what was done about a kid the set did not hold.
	UnknownKID(issuer string, action UnknownKIDAction)
	// StoreFailed reports a Store that could not be used; the cache fetched
	// for itself.
	StoreFailed(issuer string, err error)
}
