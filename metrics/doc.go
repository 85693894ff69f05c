// Package metrics exports what jwtguard does as Prometheus metrics.
//
// New returns a Collector, a prometheus.Collector, and registers it on the
// prometheus.Registerer you give (nil registers nothing; the global
// default registry is used only if you pass it). Wiring it in is one
// field, Metrics, of the config whose work it counts:
// provider.VerifierConfig (the Verifier hands it to its key caches too),
// middleware.DPoPConfig and dpop/redisreplay's Config; a cache.Config in
// the Verifier's Cache or CacheByIssuer may set one of its own.
//
//	reg := prometheus.NewRegistry()
//	m, err := metrics.New(metrics.Config{Registerer: reg})
//	…
//	v, err := provider.NewVerifier(provider.VerifierConfig{
//		Providers: …,
//		Metrics:   m,
//	})
//	…
//	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
//
// The same Collector is the Metrics of m2m's token sources and proxies
// (m2m.Config, m2m.ProxyConfig); importing package metrics links neither
// m2m nor golang.org/x/oauth2.
//
// With the default namespace the series are:
//
//	jwtguard_jwks_refresh_total{issuer,trigger,result,source}      counter
//	jwtguard_jwks_refresh_duration_seconds{issuer}                  histogram
//	jwtguard_jwks_keys{issuer}                                      gauge
//	jwtguard_jwks_last_refresh_success_timestamp_seconds{issuer}    gauge
//	jwtguard_jwks_age_seconds{issuer}                               gauge, computed at scrape time
//	jwtguard_jwks_stale_served_total{issuer}                        counter
//	jwtguard_jwks_unknown_kid_total{issuer,action}                  counter
//	jwtguard_jwks_store_errors_total{issuer}                        counter
//	jwtguard_jwt_verifications_total{issuer,result,reason}          counter
//	jwtguard_jwt_verification_duration_seconds{issuer}              histogram
//	jwtguard_jwt_token_cache_events_total{issuer,event}             counter
//	jwtguard_dpop_checks_total{result,reason}                       counter
//	jwtguard_dpop_replay_store_errors_total                         counter
//	jwtguard_m2m_token_requests_total{source,trigger,result}        counter
//	jwtguard_m2m_token_request_duration_seconds{source}             histogram
//	jwtguard_m2m_tokens_served_total{source}                        counter
//	jwtguard_m2m_quota_limit{source,scope,bucket}                   gauge
//	jwtguard_m2m_quota_remaining{source,scope,bucket}               gauge
//	jwtguard_m2m_quota_reset_timestamp_seconds{source,scope,bucket} gauge
//	jwtguard_m2m_proxy_requests_total{source,result}                counter
//	jwtguard_m2m_store_errors_total{source}                         counter
//
// Alerting rules for these series, tested with promtool, are in
// metrics/alerts.yml in the repository. Two questions the series answer:
//
//	# provider fetches of the whole fleet (Redis sharing saves the rest)
//	sum by (issuer) (increase(jwtguard_jwks_refresh_total{source="provider",result!="error"}[1h]))
//	# share of verifications answered from the token cache
//	sum by (issuer) (rate(jwtguard_jwt_token_cache_events_total{event="hit"}[5m]))
//	/ sum by (issuer) (rate(jwtguard_jwt_verifications_total[5m]))
//
// For m2m, quota used is at least token_requests_total{result="minted"} (a
// TokenSource refuses a token that arrives already expired and counts the
// refresh as result="error", though the endpoint issued it); quota saved
// is tokens_served_total. source is the configured Name ("unnamed" if
// empty), never a client id; any scope or bucket an endpoint's quota
// header invents is labelled "other".
//
// Labels are bounded (tested: 10 000 tokens with random issuers and kids
// make 16 series besides the token cache's). The enums take only these
// values (anything else becomes "other", or "error" for reason):
//
//	trigger  initial, time, usage, background, unknown_kid, manual, shared
//	result   updated, not_modified, error (refreshes); success, failure (verifications)
//	source   provider, store (refreshes)
//	action   refreshed, suppressed, rejected
//	reason   none (success) or a provider.Reason code: expired, signature, unknown_key, …
//	event    hit, miss, rejected, evicted (the token cache)
//	result   accepted, refused (DPoP checks), with reason none or a dpop_… code
//	trigger  initial, expired, background, proxy (m2m token requests)
//	result   minted, shared, error (m2m token requests); hit, miss, upstream_error, rejected (proxy requests)
//
// issuer is the issuer the cache or verifier reports, which is always one
// of your Providers or a tenant your Resolver accepted
// (provider.TenantsConfig): a token that names any other issuer (or none)
// is counted under issuer="unknown", so its iss never becomes a label.
//
// Each value of the issuer label adds at most about 110 series (42
// refresh counters, 14 and 19 histogram series, 21 verification counters,
// 4 token cache counters and 9 more; an issuer in steady use has 40 to
// 50). That is nothing for a few issuers; with tenants it grows with
// every tenant ever resolved (a series is never removed, evicted tenants'
// included), up to a million for 10 000. With many, set
// Config.IssuerLabel to collapse them into one value or a few groups of
// your own (e.g. the tenant's plan): the series are then at most
// 110 × (fixed issuers + groups + 1). Nothing a caller controls (kid,
// subject, client id, the token's iss) is ever a label value.
//
// A Collector is safe for concurrent use: it counts on the verification
// path from many goroutines and while it is being scraped. A series
// appears the first time its labels are used and is never removed.
package metrics
