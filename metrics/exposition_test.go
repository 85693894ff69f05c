package metrics_test

import (
	"maps"
	"slices"
)

// The expected expositions of the tests are built from the helpers in this
// file: header writes a family's # HELP and # TYPE lines from one table,
// histogram writes a histogram's series from its counts. The other series
// lines stay literal in each test.

// families are what the collector's metrics, with the default namespace,
// say of themselves: type and help text. TestNewRegistersEveryMetric
// checks the table against the collector.
var families = map[string]struct{ typ, help string }{
	"jwtguard_dpop_checks_total":                           {"counter", `DPoP proofs checked by result (accepted, refused) and reason ("none" when accepted; dpop_replay: a replayed proof; dpop_nonce: a nonce asked for, one issued; …).`},
	"jwtguard_dpop_replay_store_errors_total":              {"counter", "Failures of the shared replay store; the replica checked its own memory instead."},
	"jwtguard_jwks_age_seconds":                            {"gauge", "Seconds since the JWKS document serving now was fetched from the provider (by this process or, through the store, another)."},
	"jwtguard_jwks_keys":                                   {"gauge", "Usable verification keys held after the last refresh."},
	"jwtguard_jwks_last_refresh_success_timestamp_seconds": {"gauge", "Unix time of the last successful JWKS refresh (updated or not_modified)."},
	"jwtguard_jwks_refresh_duration_seconds":               {"histogram", "Duration of JWKS refreshes, successful or not."},
	"jwtguard_jwks_refresh_total":                          {"counter", "JWKS refreshes by trigger (initial, time, usage, background, unknown_kid, manual, shared), result (updated, not_modified, error) and source (provider: fetched by this process, or tried; store: another process's fetch, taken from the shared store)."},
	"jwtguard_jwks_stale_served_total":                     {"counter", "Key look-ups served by an expired key set while its refresh ran or failed."},
	"jwtguard_jwks_store_errors_total":                     {"counter", "Failures of the shared JWKS store; the cache fetched from the provider itself."},
	"jwtguard_jwks_unknown_kid_total":                      {"counter", "Tokens naming a kid the key set did not hold, by action (refreshed: found after a refresh, suppressed: no refresh allowed, rejected: still unknown after a refresh)."},
	"jwtguard_jwt_token_cache_events_total":                {"counter", `Events of the verifier's cache of verified tokens by issuer ("unknown" for a miss that was not routed to one) and event: hit, miss (verified in full), rejected (a forged token refused from the cache), evicted.`},
	"jwtguard_jwt_verification_duration_seconds":           {"histogram", "Duration of token verifications, including any wait for keys."},
	"jwtguard_jwt_verifications_total":                     {"counter", `Token verifications by configured issuer ("unknown" when the token was not routed to one), result (success, failure) and reason ("none" on success, else the provider.Reason code).`},
	"jwtguard_m2m_proxy_requests_total":                    {"counter", "Requests to a Proxy by result (hit: answered from the cache, miss: a token minted upstream for it, upstream_error: the upstream failure passed on, rejected: refused before any upstream call)."},
	"jwtguard_m2m_quota_limit":                             {"gauge", "Tokens the quota window allows, as the token endpoint's last answer declared it (Auth0-Client-Quota-Limit: scope client, Auth0-Organization-Quota-Limit: organization)."},
	"jwtguard_m2m_quota_remaining":                         {"gauge", "Tokens left in the quota window when the token endpoint last answered; the window may have reset since (see quota_reset_timestamp_seconds)."},
	"jwtguard_m2m_quota_reset_timestamp_seconds":           {"gauge", "Unix time at which the quota window resets, as the token endpoint's last answer declared it."},
	"jwtguard_m2m_store_errors_total":                      {"counter", "Failures of the token store; the token was requested without it."},
	"jwtguard_m2m_token_request_duration_seconds":          {"histogram", "Duration of TokenSource refreshes and Proxy upstream requests, whatever their result."},
	"jwtguard_m2m_token_requests_total":                    {"counter", "TokenSource refreshes and Proxy cache misses by trigger (initial, expired, background, proxy) and result (minted: issued by the token endpoint, one unit of quota used; shared: read from the store, minted by another source or process; error)."},
	"jwtguard_m2m_tokens_served_total":                     {"counter", "Tokens handed out without a token request of their own (quota saved): held by a TokenSource, read from the store, or answered from a Proxy's cache."},
}

// allNames are the metric names with the default namespace, sorted.
var allNames = slices.Sorted(maps.Keys(families))

// header returns the # HELP and # TYPE lines of family name.
func header(name string) string {
	f, ok := families[name]
	if !ok {
		panic("metrics_test: header of a metric the table does not have: " + name)
	}
	return "# HELP " + name + " " + f.help + "\n# TYPE " + name + " " + f.typ + "\n"
}

// The default buckets, spelled out so that a change to them shows in the
// expositions.
var (
	refreshBuckets      = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	verificationBuckets = []float64{1e-05, 2.5e-05, 5e-05, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1}
)

// histogram returns the series of histogram name for one set of labels
// (e.g. `issuer="https://issuer.example"`): a _bucket line per bound in
// buckets with the cumulative count in counts, one for le="+Inf" with the
// last of counts, which has one entry more than buckets, then _sum and
