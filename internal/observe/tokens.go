package observe

import "time"

// TokenTrigger says why an m2m token was requested.
type TokenTrigger string

// The triggers of a token refresh.
const (
	TokenInitial    TokenTrigger = "initial"    // a TokenSource held no token: callers waited
	TokenExpired    TokenTrigger = "expired"    // its token had expired: callers waited
	TokenBackground TokenTrigger = "background" // the threshold of the lifetime had passed: callers were served meanwhile
	TokenProxy      TokenTrigger = "proxy"      // a proxy cache miss
)

// TokenResult is the outcome of a token refresh.
type TokenResult string

// The results of a token refresh.
const (
	TokenMinted TokenResult = "minted" // the token endpoint issued a token: one unit of quota spent
	TokenShared TokenResult = "shared" // a token another source or process minted was read from the Store
	TokenFailed TokenResult = "error"  // no token; Status and Err say why
)

// TokenRefresh describes one refresh of a TokenSource, or one proxy
// cache miss.
type TokenRefresh struct {
	// Source is the Name of the TokenSource or proxy.
	Source  string
	Trigger TokenTrigger
	Result  TokenResult
	// Status is the HTTP status of the token endpoint's answer for
	// TokenFailed; 0 if there was none.
	Status   int
	Duration time.Duration
	// Err is the failure, for TokenFailed.
	Err error
}

// ProxyResult is what a proxy did with a request.
type ProxyResult string

// The results of a proxy request.
const (
	ProxyHit           ProxyResult = "hit"            // answered from the cache (or another request's upstream call)
	ProxyMiss          ProxyResult = "miss"           // answered with a token minted upstream for it
	ProxyUpstreamError ProxyResult = "upstream_error" // the upstream error passed through, or 502 when it did not answer
	ProxyRejected      ProxyResult = "rejected"       // refused before any upstream call: method, size, syntax, grant type, missing credentials
)

// Quota is one bucket of a token quota the endpoint declared, as in
// "b=per_hour;q=10;r=7;t=3540".
type Quota struct {
	// Scope is "client" (Auth0-Client-Quota-Limit) or "organization"
	// (Auth0-Organization-Quota-Limit).
	Scope string
	// Bucket is the window, b: "per_hour" or "per_day".
	Bucket string
	// Limit is the number of tokens the window allows, q.
	Limit int64
	// Remaining is the number of tokens left in the window, r.
	Remaining int64
	// Reset is the time until the window resets, t.
	Reset time.Duration
}

// Tokens receives what m2m TokenSources and Proxies do.
//
// Quota used is the count of TokenRefresh events with TokenMinted; quota
// saved is the count of Served. One kind of TokenFailed may have used
// quota too: a TokenSource whose endpoint answered with a token that had
// already expired (expires_in zero or negative) refuses it and reports
// TokenFailed with Status 200 — the refresh failed, and the source backs
// off — although the endpoint issued, and may have counted, that token. A
// The proxy passes such a token on to its caller and reports TokenMinted.
type Tokens interface {
	// Refreshed reports every refresh of a TokenSource and every proxy
	// cache miss, before the callers waiting for it return.
	Refreshed(TokenRefresh)
	// Served reports one token handed out without a token request of
	// its own: by TokenSource.Token from the token held (or from a
	// refresh another caller started), by a proxy from its cache.
	Served(source string)
	// QuotaReported reports the token quota the endpoint's answer to a
	// TokenSource declared, one entry per bucket.
	QuotaReported(source string, quotas []Quota)
	// ProxyRequest reports the result of one request to a proxy.
	ProxyRequest(source string, result ProxyResult)
	// StoreFailed reports a Store that could not be used; the token was
	// requested without it.
	StoreFailed(source string, err error)
}
