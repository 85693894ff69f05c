package m2mmetrics_test

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/metrics/m2mmetrics"
)

// families are what the collector's metrics, with the default namespace,
// say of themselves: type and help text.
var families = map[string]struct{ typ, help string }{
	"jwtguard_m2m_proxy_requests_total":           {"counter", "Requests to a Proxy by result (hit: answered from the cache, miss: a token minted upstream for it, upstream_error: the upstream failure passed on, rejected: refused before any upstream call)."},
	"jwtguard_m2m_quota_limit":                    {"gauge", "Tokens the quota window allows, as the token endpoint's last answer declared it (Auth0-Client-Quota-Limit: scope client, Auth0-Organization-Quota-Limit: organization)."},
	"jwtguard_m2m_quota_remaining":                {"gauge", "Tokens left in the quota window when the token endpoint last answered; the window may have reset since (see quota_reset_timestamp_seconds)."},
	"jwtguard_m2m_quota_reset_timestamp_seconds":  {"gauge", "Unix time at which the quota window resets, as the token endpoint's last answer declared it."},
	"jwtguard_m2m_store_errors_total":             {"counter", "Failures of the token store; the token was requested without it."},
	"jwtguard_m2m_token_request_duration_seconds": {"histogram", "Duration of TokenSource refreshes and Proxy upstream requests, whatever their result."},
	"jwtguard_m2m_token_requests_total":           {"counter", "TokenSource refreshes and Proxy cache misses by trigger (initial, expired, background, proxy) and result (minted: issued by the token endpoint, one unit of quota used; shared: read from the store, minted by another source or process; error)."},
	"jwtguard_m2m_tokens_served_total":            {"counter", "Tokens handed out without a token request of their own (quota saved): held by a TokenSource, read from the store, or answered from a Proxy's cache."},
}

// header returns the # HELP and # TYPE lines of family name.
func header(name string) string {
	f, ok := families[name]
	if !ok {
		panic("m2mmetrics_test: header of a metric the table does not have: " + name)
	}
	return "# HELP " + name + " " + f.help + "\n# TYPE " + name + " " + f.typ + "\n"
}

// New registers every metric of the table, with its type and help text,
// under the namespace asked for; a bad namespace or buckets, and a second
// Collector on one registry, are errors.
func TestNew(t *testing.T) {
	for _, ns := range []string{"", "auth"} {
		reg := prometheus.NewPedanticRegistry()
		c, err := m2mmetrics.New(m2mmetrics.Config{Namespace: ns, Registerer: reg})
		if err != nil {
			t.Fatal(err)
		}
		touchAll(c)
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, mf := range mfs {
			name := mf.GetName()
			if ns != "" {
				name = "jwtguard_" + strings.TrimPrefix(name, ns+"_")
			}
			got = append(got, name)
			if f := families[name]; strings.ToLower(mf.GetType().String()) != f.typ || mf.GetHelp() != f.help {
				t.Errorf("%s: %s %q, want %s %q", mf.GetName(), mf.GetType(), mf.GetHelp(), f.typ, f.help)
			}
		}
		if want := slices.Sorted(maps.Keys(families)); !slices.Equal(got, want) {
			t.Errorf("namespace %q: families %q, want %q", ns, got, want)
		}
		if _, err := m2mmetrics.New(m2mmetrics.Config{Namespace: ns, Registerer: reg}); err == nil {
			t.Error("a second Collector on one registry")
		}
	}
	for name, cfg := range map[string]m2mmetrics.Config{
		"namespace": {Namespace: "1x"}, "buckets": {Buckets: []float64{2, 1}}, "no buckets": {Buckets: []float64{}},
	} {
		if _, err := m2mmetrics.New(cfg); err == nil || !strings.HasPrefix(err.Error(), "m2mmetrics: Config.") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// touchAll makes every metric of c have one series.
func touchAll(c *m2mmetrics.Collector) {
	observe.From(c).Tokens.Refreshed(observe.TokenRefresh{Source: "billing", Trigger: observe.TokenInitial, Result: observe.TokenMinted, Duration: time.Millisecond})
	observe.From(c).Tokens.Served("billing")
	observe.From(c).Tokens.QuotaReported("billing", []observe.Quota{{Scope: "client", Bucket: "per_hour", Limit: 10, Remaining: 9, Reset: time.Hour}})
	observe.From(c).Tokens.ProxyRequest("gateway", observe.ProxyHit)
	observe.From(c).Tokens.StoreFailed("billing", errors.New("store down"))
}
