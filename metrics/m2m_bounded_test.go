package metrics_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/jwtguard/jwtguard/internal/m2mtest"
	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/promtest"
	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/m2m"
	"github.com/jwtguard/jwtguard/metrics"
)

// TestM2MLabelValues drives the m2m hooks by hand with values m2m never
// sends — unknown enums, empty and invalid UTF-8 sources, quota scopes and
// buckets no provider defines — and checks that each label keeps to its
// fixed set. In the bubble, time.Now() is t0 = 946684800.
func TestM2MLabelValues(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, err := metrics.New(metrics.Config{})
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		h := c
		observe.From(h).Tokens.Refreshed(observe.TokenRefresh{Trigger: "sideways", Result: "maybe", Duration: 250 * time.Millisecond})
		observe.From(h).Tokens.Refreshed(observe.TokenRefresh{Source: "bad\xff", Trigger: observe.TokenExpired, Result: observe.TokenFailed, Status: 503})
		observe.From(h).Tokens.ProxyRequest("gateway", "teapot")
		observe.From(h).Tokens.ProxyRequest("", observe.ProxyHit)
		observe.From(h).Tokens.Served("")
		observe.From(h).Tokens.Served("bad\xff")
		observe.From(h).Tokens.Served("bad\xfe") // another invalid name, the same label
		observe.From(h).Tokens.StoreFailed("", errors.New("down"))

		// Buckets nobody defines, as a header may declare them: the second
		// "other" wins.
		qs := []observe.Quota{
			{Scope: "client", Bucket: "per_hour", Limit: 10, Remaining: 3, Reset: time.Minute},
			{Scope: "client", Bucket: "per_fortnight", Limit: 1, Remaining: 1, Reset: time.Second},
			{Scope: "client", Bucket: "per_minute", Limit: 7, Remaining: 6, Reset: 30 * time.Second},
			{Scope: "client", Bucket: "per_day", Limit: 100, Remaining: 90, Reset: 24 * time.Hour},
			{Scope: "tenant", Bucket: "per_day", Limit: 5, Remaining: 4, Reset: time.Hour},
			{},
		}
		observe.From(h).Tokens.QuotaReported("billing", qs)

		want := header("jwtguard_m2m_proxy_requests_total") + `
jwtguard_m2m_proxy_requests_total{result="hit",source="unnamed"} 1
jwtguard_m2m_proxy_requests_total{result="other",source="gateway"} 1
` + header("jwtguard_m2m_quota_limit") + `
jwtguard_m2m_quota_limit{bucket="other",scope="client",source="billing"} 7
jwtguard_m2m_quota_limit{bucket="other",scope="other",source="billing"} 0
jwtguard_m2m_quota_limit{bucket="per_day",scope="client",source="billing"} 100
jwtguard_m2m_quota_limit{bucket="per_day",scope="other",source="billing"} 5
jwtguard_m2m_quota_limit{bucket="per_hour",scope="client",source="billing"} 10
` + header("jwtguard_m2m_quota_remaining") + `
jwtguard_m2m_quota_remaining{bucket="other",scope="client",source="billing"} 6
jwtguard_m2m_quota_remaining{bucket="other",scope="other",source="billing"} 0
jwtguard_m2m_quota_remaining{bucket="per_day",scope="client",source="billing"} 90
jwtguard_m2m_quota_remaining{bucket="per_day",scope="other",source="billing"} 4
jwtguard_m2m_quota_remaining{bucket="per_hour",scope="client",source="billing"} 3
` + header("jwtguard_m2m_quota_reset_timestamp_seconds") + `
jwtguard_m2m_quota_reset_timestamp_seconds{bucket="other",scope="client",source="billing"} 9.4668483e+08
jwtguard_m2m_quota_reset_timestamp_seconds{bucket="other",scope="other",source="billing"} 9.466848e+08
jwtguard_m2m_quota_reset_timestamp_seconds{bucket="per_day",scope="client",source="billing"} 9.467712e+08
jwtguard_m2m_quota_reset_timestamp_seconds{bucket="per_day",scope="other",source="billing"} 9.466884e+08
jwtguard_m2m_quota_reset_timestamp_seconds{bucket="per_hour",scope="client",source="billing"} 9.4668486e+08
` + header("jwtguard_m2m_store_errors_total") + `
jwtguard_m2m_store_errors_total{source="unnamed"} 1
` + header("jwtguard_m2m_token_requests_total") + `
jwtguard_m2m_token_requests_total{result="error",source="bad�",trigger="expired"} 1
jwtguard_m2m_token_requests_total{result="other",source="unnamed",trigger="other"} 1
` + header("jwtguard_m2m_tokens_served_total") + `
jwtguard_m2m_tokens_served_total{source="bad�"} 2
jwtguard_m2m_tokens_served_total{source="unnamed"} 1
`
		names := []string{
			"jwtguard_m2m_proxy_requests_total", "jwtguard_m2m_quota_limit", "jwtguard_m2m_quota_remaining",
			"jwtguard_m2m_quota_reset_timestamp_seconds", "jwtguard_m2m_store_errors_total",
			"jwtguard_m2m_token_requests_total", "jwtguard_m2m_tokens_served_total",
		}
		if err := testutil.CollectAndCompare(c, strings.NewReader(want), names...); err != nil {
			t.Error(err)
		}
	})
}

// lyingEndpoint is a token endpoint whose quota headers name a random
// bucket besides per_hour and per_day in both scopes, and sometimes are
// malformed.
func lyingEndpoint(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for _, name := range []string{"Auth0-Client-Quota-Limit", "Auth0-Organization-Quota-Limit"} {
			v := fmt.Sprintf("b=per_hour;q=100;r=%d;t=60,b=%s;q=%d;r=1;t=9,b=per_day;q=1000;r=5;t=600",
				rand.IntN(100), promtest.RandomString(1+rand.IntN(40)), rand.Int64())
			if rand.IntN(5) == 0 {
				v += ",b=" + promtest.RandomString(8) + ";r=-1" // malformed: the whole header is skipped
			}
			w.Header().Set(name, v)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": promtest.RandomString(20), "token_type": "Bearer", "expires_in": 3600})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestM2MSeriesStayBounded reports quotas from a token endpoint that lies
// in its headers, through real TokenSources, and calls the hooks 10 000
// times with random enum values from a few configured sources: the series
// depend on the sources and the fixed label values only.
func TestM2MSeriesStayBounded(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	c, err := metrics.New(metrics.Config{Registerer: reg})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h := c

	srv := lyingEndpoint(t)
	for range 50 {
		ts, err := m2m.New(m2m.Config{TokenURL: srv.URL, ClientID: "c", ClientSecret: "s", Name: "lied-to", Metrics: h})
		if err != nil {
			t.Fatalf("m2m.New: %v", err)
		}
		_, err = ts.Token()
		ts.Close()
		if err != nil {
			t.Fatalf("Token: %v", err)
		}
	}

	// Every combination of a valid value and random garbage, cycled.
	garbage := func() string { return promtest.RandomString(1 + rand.IntN(30)) }
	triggers := []string{"initial", "expired", "background", "proxy", ""}
	results := []string{"minted", "shared", "error", ""}
	proxyResults := []string{"hit", "miss", "upstream_error", "rejected", ""}
	scopes := []string{"client", "organization", ""}
	buckets := []string{"per_hour", "per_day", ""}
	orGarbage := func(s string) string {
		if s == "" {
			return garbage()
		}
		return s
	}
	sources := []string{"a", "b"}
	for i := range 10000 {
		src := sources[i%2]
		observe.From(h).Tokens.Refreshed(observe.TokenRefresh{Source: src, Trigger: observe.TokenTrigger(orGarbage(triggers[(i/2)%5])), Result: observe.TokenResult(orGarbage(results[(i/10)%4]))})
		observe.From(h).Tokens.ProxyRequest(src, observe.ProxyResult(orGarbage(proxyResults[(i/2)%5])))
		observe.From(h).Tokens.QuotaReported("a", []observe.Quota{{Scope: orGarbage(scopes[i%3]), Bucket: orGarbage(buckets[(i/3)%3]), Limit: rand.Int64(), Remaining: rand.Int64()}})
		observe.From(h).Tokens.Served(src)
		observe.From(h).Tokens.StoreFailed(src, errors.New(garbage()))
	}

	want := map[string]int{
		"jwtguard_m2m_token_requests_total":           41, // a, b × 5 triggers × 4 results; lied-to initial/minted
		"jwtguard_m2m_token_request_duration_seconds": 3,  // a, b, lied-to
		"jwtguard_m2m_tokens_served_total":            2,
		"jwtguard_m2m_quota_limit":                    15, // a × 3 scopes × 3 buckets; lied-to × 2 × 3
		"jwtguard_m2m_quota_remaining":                15,
		"jwtguard_m2m_quota_reset_timestamp_seconds":  15,
		"jwtguard_m2m_proxy_requests_total":           10, // a, b × 5 results
		"jwtguard_m2m_store_errors_total":             2,
	}
	allowed := map[string][]string{
		"source":  {"a", "b", "lied-to"},
		"trigger": {"initial", "expired", "background", "proxy", "other"},
		"result":  {"minted", "shared", "error", "hit", "miss", "upstream_error", "rejected", "other"},
		"scope":   {"client", "organization", "other"},
		"bucket":  {"per_hour", "per_day", "other"},
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	got := map[string]int{}
	for _, mf := range mfs {
		got[mf.GetName()] = len(mf.GetMetric())
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if !slices.Contains(allowed[lp.GetName()], lp.GetValue()) {
					t.Errorf("%s has %s=%q", mf.GetName(), lp.GetName(), lp.GetValue())
				}
			}
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("series per family:\n%s\nwant:\n%s", promtest.Families(got), promtest.Families(want))
	}
	// lied-to's per_hour remaining is one the endpoint sent, below 100.
	if v := gaugeValue(t, c, "jwtguard_m2m_quota_remaining", map[string]string{"source": "lied-to", "scope": "client", "bucket": "per_hour"}); !(v >= 0 && v < 100) {
		t.Errorf("lied-to's per_hour quota_remaining = %v, want one the endpoint sent", v)
	}
}

// TestM2MConcurrentSourceAndProxy hammers a real TokenSource and a real
// Proxy from many goroutines while scraping (run with -race): one token
// each is minted, and every other token handed out is counted as served.
func TestM2MConcurrentSourceAndProxy(t *testing.T) {
	const goroutines, each = 8, 50
	iss := m2mIssuer(t)
	c, err := metrics.New(metrics.Config{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ts := m2mtest.NewSource(t, sourceConfig(iss, "billing", "svc", "svc-secret", c))
	p, err := m2m.NewProxy(m2m.ProxyConfig{
		TokenURL: iss.URL + testissuer.TokenPath, Secret: []byte(strings.Repeat("k", 32)), Name: "gateway", Metrics: c,
	})
	if err != nil {
		t.Fatalf("NewProxy: %v", err)
	}

	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		failures []string
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		failures = append(failures, fmt.Sprintf(format, args...))
	}
	for range goroutines {
		wg.Go(func() {
			for i := range each {
				if i%10 == 0 {
					testutil.CollectAndCount(c) // a scrape amid the hook calls
				}
				if _, err := ts.Token(); err != nil {
					fail("Token: %v", err)
				}
				if code := proxyRequest(p, http.MethodPost, "vendor", "vendor-secret"); code != http.StatusOK {
					fail("proxy: %d", code)
				}
			}
		})
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d requests failed, e.g. %s", len(failures), failures[0])
	}

	const served = goroutines*each - 1 // all but the one minted
	want := header("jwtguard_m2m_proxy_requests_total") + fmt.Sprintf(`
jwtguard_m2m_proxy_requests_total{result="hit",source="gateway"} %d
jwtguard_m2m_proxy_requests_total{result="miss",source="gateway"} 1
`, served) + header("jwtguard_m2m_token_requests_total") + `
jwtguard_m2m_token_requests_total{result="minted",source="billing",trigger="initial"} 1
jwtguard_m2m_token_requests_total{result="minted",source="gateway",trigger="proxy"} 1
` + header("jwtguard_m2m_tokens_served_total") + fmt.Sprintf(`
jwtguard_m2m_tokens_served_total{source="billing"} %[1]d
jwtguard_m2m_tokens_served_total{source="gateway"} %[1]d
`, served)
	if err := testutil.CollectAndCompare(c, strings.NewReader(want),
		"jwtguard_m2m_proxy_requests_total", "jwtguard_m2m_token_requests_total", "jwtguard_m2m_tokens_served_total"); err != nil {
		t.Error(err)
	}
	if m := iss.Mints(); m != 2 {
		t.Errorf("the issuer minted %d tokens, want 2", m)
	}
}
