package m2m

import "time"

// Trigger says why a token was requested.
type Trigger string

// The triggers of a refresh.
const (
	TriggerInitial    Trigger = "initial"    // a TokenSource held no token: callers waited
	TriggerExpired    Trigger = "expired"    // its token had expired: callers waited
	TriggerBackground Trigger = "background" // Threshold of the lifetime had passed: callers were served meanwhile
	TriggerProxy      Trigger = "proxy"      // a Proxy cache miss
)

// Result is the outcome of a refresh.
type Result string

// The results of a refresh.
const (
	ResultMinted Result = "minted" // the token endpoint issued a token: one unit of quota spent
	ResultShared Result = "shared" // a token another source or process minted was read from the Store
	ResultError  Result = "error"  // no token; Status and Err say why
)

// RefreshEvent describes one refresh of a TokenSource, or one Proxy cache
// miss.
type RefreshEvent struct {
	// Source is Config.Name or ProxyConfig.Name.
	Source  string
	Trigger Trigger
	Result  Result
	// Status is the HTTP status of the token endpoint's answer for
	// ResultError; 0 if there was none.
	Status   int
	Duration time.Duration
	// Err is the failure, for ResultError.
	Err error
}

// ProxyResult is what a Proxy did with a request.
type ProxyResult string

// The results of a Proxy request.
const (
	ProxyHit           ProxyResult = "hit"            // answered from the cache (or another request's upstream call)
	ProxyMiss          ProxyResult = "miss"           // answered with a token minted upstream for it
	ProxyUpstreamError ProxyResult = "upstream_error" // the upstream error passed through, or 502 when it did not answer
	ProxyRejected      ProxyResult = "rejected"       // refused before any upstream call: method, size, syntax, grant type, missing credentials
)

// Hooks receives what TokenSources and Proxies do. Methods are called
// synchronously, Served on every Token call: keep them cheap and safe for
// concurrent use. Implementations turn the events into metrics (see
// package metrics).
//
// Quota used is the count of RefreshEvents with ResultMinted; quota saved
// is the count of Served. One kind of ResultError may have used quota
// too: a TokenSource whose endpoint answered with a token that had
// already expired (expires_in zero or negative) refuses it and reports
// ResultError with Status 200 — the refresh failed, and the source backs
// off — although the endpoint issued, and may have counted, that token.
// A Proxy passes such a token on to its caller and reports ResultMinted.
type Hooks interface {
	// Refreshed reports every refresh of a TokenSource and every
	// Proxy cache miss, before the callers waiting for it return.
	Refreshed(RefreshEvent)
	// Served reports one token handed out without a token request of its
	// own: by TokenSource.Token from the token held (or from a refresh
	// another caller started), by a Proxy from its cache.
	Served(source string)
	// QuotaReported reports the token quota the endpoint's answer to a
	// TokenSource declared (Auth0-Client-Quota-Limit and
	// Auth0-Organization-Quota-Limit), one entry per bucket.
	QuotaReported(source string, quotas []Quota)
	// ProxyRequest reports the result of one request to a Proxy.
	ProxyRequest(source string, result ProxyResult)
	// StoreFailed reports a Store that could not be used; the token
	// was requested without it.
	StoreFailed(source string, err error)
}
