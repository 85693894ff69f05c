// Package m2m caches machine-to-machine (OAuth 2.0 client-credentials)
// access tokens, so that a token is minted once per lifetime however many
// goroutines, processes or vendors ask for it.
//
// Providers count every client-credentials token against a quota (Auth0's
// free tier allows 1 000 a month), and the usual client code — calling
// clientcredentials.Config.Token per request — mints a new one each time.
//
// # Client side: TokenSource
//
// A TokenSource is an oauth2.TokenSource; its Transport sends outgoing
// requests with the cached token (as oauth2.Transport does, or with DPoP
// proofs for a key-bound token). The
// exchange itself is golang.org/x/oauth2/clientcredentials. Concurrent
// callers share one exchange; once Threshold (default 0.8) of a token's
// lifetime has passed, one background refresh replaces it before it
// expires. Once a valid token is held, Token never waits: a refresh that
// hangs or fails leaves the held token serving until it stops being
// handed out (its last tenth, at most 10 seconds, before expiry), and the
// refresh is due before that whatever the Threshold. Only a caller with no
// valid token waits, bounded by its context and Timeout. A token that came
// without expires_in is kept for AssumedLifetime (default 5 minutes). A
// token whose expires_in is zero or negative — the endpoint says it has
// already expired — is neither kept nor handed out: the caller gets
// ErrUnavailable and the source backs off, as after any failure. A source
// whose token nobody asked for since it was obtained does not refresh it
// in the background: an idle source spends no quota; nor does it retry a
// failed background refresh once the token it holds has expired: the next
// caller starts the refresh.
//
// A TokenSource keeps its token in memory unless Config.Store says
// otherwise: the goroutines of a process share one token by sharing one
// TokenSource. Through a shared Store — m2m/redistoken — every source,
// in any process, that has the same token URL, client id, client secret,
// audience, scopes and endpoint parameters shares one token: one process
// mints it under a short lock while the others wait and read it.
// A source with another secret (a wrong one, or the old one after a
// rotation) never reads that token. Store keys are SHA-256 hashes:
// neither the client id nor the secret appears in them.
//
// A 401 or 403 (any 4xx but 408 and 429) from the token endpoint is
// returned at once as ErrRejected; 429, 5xx and network failures as
// ErrUnavailable. Either starts a backoff (exponential from 1 second to 1
// minute plus up to 20% jitter, or the answer's Retry-After if longer, up
// to an hour) during which callers without a valid token fail fast, with
// an error that says so and wraps that failure (so it is still ErrRejected
// or ErrUnavailable), instead of calling the endpoint again, while a token
// that is still valid keeps serving. Auth0's quota headers
// (Auth0-Client-Quota-Limit, Auth0-Organization-Quota-Limit) are parsed
// and counted by the Metrics (package metrics).
//
// # DPoP-bound tokens
//
// With Config.DPoPKey, tokens are bound to the client's key (RFC 9449):
// each token request carries a proof made with it (the endpoint's nonce
// is answered once), the endpoint must answer token_type DPoP, and
// TokenSource.Transport sends each API request with the token and a fresh
// proof (ath, htm, htu), answering the API's nonce once. Sources with different
// keys never share a token. The proxy never caches a DPoP token request:
// it forwards it upstream with its proof (which must name the upstream
// token endpoint, htu) and passes the answer back, DPoP-Nonce included,
// so a token bound to one key reaches only the caller holding that key.
//
// # Server side: NewProxy
//
// NewProxy returns an http.Handler, the proxy, that stands in front of a
// token endpoint for many callers (vendors, services you do not control):
// it answers client-credentials requests (form or JSON, credentials in the
// body or HTTP Basic) from its cache while the token is before Threshold
// of its lifetime (and younger than ProxyConfig.MaxAge, if set), with
// expires_in reduced to what remains, and forwards a miss upstream, the
// credentials sent the way the caller sent them. Its cache key is an HMAC,
// under a secret of the proxy, of the upstream token URL, the way the
// credentials came (HTTP Basic or body), the client id, client secret and
// parameters: a caller without the right secret never gets another's
// token, and secrets are never stored. Concurrent identical misses share
// one upstream call and its answer, token or error; upstream errors pass
// through unchanged but for Cache-Control: no-store, and are not cached,
// nor are tokens whose expires_in is zero or negative.
//
// The cache answers without asking upstream: a caller whose secret was
// rotated or revoked upstream keeps getting the token cached for that
// secret until the entry is no longer served — Threshold of the token's
// lifetime, or MaxAge. The exposure is bounded by the lifetime of a token
// already issued, which stays valid until it expires anyway; MaxAge
// shortens it at the cost of more upstream requests.
//
// # Concurrency
//
// A TokenSource and the proxy are safe for concurrent use.
// TokenSource.Token is lock-free while the token is fresh. A TokenSource
// holds a timer for its background refresh and a goroutine for each
// refresh in flight (one at a time); Close stops them. The proxy and the
// stores start none.
package m2m
