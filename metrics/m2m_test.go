package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
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

// The collector satisfies the interface TokenSources and
// Proxies take.
var _ observe.Source = (*metrics.Collector)(nil)

const (
	m2mAudience = m2mtest.Audience
	t0Unix      = 946684800 // time.Now() when a synctest bubble starts
)

// m2mIssuer starts an issuer with two clients: svc, with a quota of 10
// tokens an hour and 50 a day, and vendor, without.
func m2mIssuer(t *testing.T) *testissuer.Issuer {
	t.Helper()
	iss := testissuer.New()
	t.Cleanup(iss.Close)
	iss.SetClient("svc", "svc-secret")
	iss.SetClientQuota("svc", 10, 50)
	iss.SetClient("vendor", "vendor-secret")
	return iss
}

// sourceConfig configures a TokenSource named name for client id at iss,
// reporting to h, with keep-alives off so that a synctest bubble can go
// idle.
func sourceConfig(iss *testissuer.Issuer, name, id, secret string, h observe.Source) m2m.Config {
	cfg := m2mtest.SourceConfig(iss.URL+testissuer.TokenPath, id, secret, h)
	cfg.Name = name
	return cfg
}

// proxyRequest sends one request to p and returns the status.
func proxyRequest(p http.Handler, method, id, secret string) int {
	body := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}, "audience": {m2mAudience}}
	r := httptest.NewRequest(method, "/oauth/token", strings.NewReader(body.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	p.ServeHTTP(w, r)
	return w.Code
}

// failingStore is a Store that is always down: the source reports so and
// mints without it.
type failingStore struct{}

var errStoreDown = errors.New("store down")

func (failingStore) Get(context.Context, string) (*m2m.Token, error) { return nil, errStoreDown }
func (failingStore) Lock(context.Context, string) (string, <-chan struct{}, error) {
	return "", nil, errStoreDown
}
func (failingStore) Unlock(context.Context, string, string) error  { return errStoreDown }
func (failingStore) Put(context.Context, string, *m2m.Token) error { return errStoreDown }

// mapStore is a Store that sources take turns on (its lock is never
// contended): what one puts, the next reads.
type mapStore struct {
	mu     sync.Mutex
	tokens map[string]*m2m.Token
}

func (s *mapStore) Get(_ context.Context, key string) (*m2m.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens[key], nil
}

func (s *mapStore) Lock(context.Context, string) (string, <-chan struct{}, error) {
	return "held", nil, nil
}

func (s *mapStore) Unlock(context.Context, string, string) error { return nil }

func (s *mapStore) Put(_ context.Context, key string, t *m2m.Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[key] = t
	return nil
}

// TestM2MExposition runs real TokenSources and a real Proxy against an
// testissuer token endpoint through a scripted sequence — a first mint, tokens
// served, one shared through a store, a background refresh, a rejected
// client, a store down, a proxy hit, miss, rejection and upstream error —
// and compares the whole exposition. In the synctest bubble the clock only
// moves when the test sleeps: every duration is 0.
func TestM2MExposition(t *testing.T) {
	iss := m2mIssuer(t) // servers start outside the bubble
	synctest.Test(t, func(t *testing.T) {
		c, err := metrics.New(metrics.Config{TokenRequestBuckets: m2mExpositionBuckets})
		if err != nil {
			t.Fatalf("metrics.New: %v", err)
		}
		h := c
		token := func(name string, ts *m2m.TokenSource, wantErr error) {
			t.Helper()
			if _, err := ts.Token(); (wantErr == nil) != (err == nil) || (wantErr != nil && !errors.Is(err, wantErr)) {
				t.Fatalf("%s: Token() = %v, want %v", name, err, wantErr)
			}
		}

		// billing mints (quota 9 of 10 an hour left, 49 of 50 a day) and
		// serves its token twice.
		store := &mapStore{tokens: map[string]*m2m.Token{}}
		cfg := sourceConfig(iss, "billing", "svc", "svc-secret", h)
		cfg.Store = store
		billing := m2mtest.NewSource(t, cfg)
		for range 3 {
			token("billing", billing, nil)
		}
		// billing-replica shares billing's store: it reads the token.
		cfg.Name = "billing-replica"
		replica := m2mtest.NewSource(t, cfg)
		token("billing-replica", replica, nil)
		replica.Close() // so that only billing refreshes in the background
		// At 0.8 of the hour-long lifetime billing refreshes in the
		// background: 8 an hour, 48 a day left.
		time.Sleep(50 * time.Minute)
		synctest.Wait()
		// reports has the wrong secret; audit's store is down.
		token("reports", m2mtest.NewSource(t, sourceConfig(iss, "reports", "svc", "wrong", h)), m2m.ErrRejected)
		cfg = sourceConfig(iss, "audit", "vendor", "vendor-secret", h)
		cfg.Store = failingStore{}
		token("audit", m2mtest.NewSource(t, cfg), nil)

		// The proxy: a miss, a hit, a GET, a wrong secret.
		p, err := m2m.NewProxy(m2m.ProxyConfig{
			TokenURL: iss.URL + testissuer.TokenPath, Secret: []byte(strings.Repeat("k", 32)),
			HTTPClient: m2mtest.NoKeepAlive(), Name: "gateway", Metrics: h,
		})
		if err != nil {
			t.Fatalf("NewProxy: %v", err)
		}
		for _, r := range []struct {
			method, secret string
			want           int
		}{
			{http.MethodPost, "vendor-secret", http.StatusOK},
			{http.MethodPost, "vendor-secret", http.StatusOK},
			{http.MethodGet, "vendor-secret", http.StatusMethodNotAllowed},
			{http.MethodPost, "wrong", http.StatusUnauthorized},
		} {
			if code := proxyRequest(p, r.method, "vendor", r.secret); code != r.want {
				t.Fatalf("proxy %s with %s: %d, want %d", r.method, r.secret, code, r.want)
			}
		}
		if m := iss.Mints(); m != 4 {
			t.Fatalf("the issuer minted %d tokens, want 4 (billing twice, audit, gateway)", m)
		}

		names := []string{
			"jwtguard_m2m_proxy_requests_total", "jwtguard_m2m_quota_limit", "jwtguard_m2m_quota_remaining",
			"jwtguard_m2m_store_errors_total", "jwtguard_m2m_token_request_duration_seconds",
			"jwtguard_m2m_token_requests_total", "jwtguard_m2m_tokens_served_total",
		}
		if err := testutil.CollectAndCompare(c, strings.NewReader(m2mExposition), names...); err != nil {
			t.Error(err)
		}
		// The reset times are the bubble's time of the report plus what the
		// issuer's header says is left of the window, which it reads off
		// the real clock (the end of the UTC hour and day): anywhere from
		// the start of the bubble to a window after the last report.
		last := float64(t0Unix + 50*60)
		for _, r := range []struct {
			bucket string
			window float64
		}{{"per_hour", 3600}, {"per_day", 86400}} {
			v := gaugeValue(t, c, "jwtguard_m2m_quota_reset_timestamp_seconds", map[string]string{"bucket": r.bucket})
			if !(v >= float64(t0Unix) && v <= last+r.window) {
				t.Errorf("%s resets at %v, want within [%v, %v]", r.bucket, v, float64(t0Unix), last+r.window)
			}
		}
		if n := testutil.CollectAndCount(c, "jwtguard_m2m_quota_reset_timestamp_seconds"); n != 2 {
			t.Errorf("%d quota_reset_timestamp_seconds series, want 2", n)
		}
	})
}

// m2mExpositionBuckets are TestM2MExposition's Buckets.
var m2mExpositionBuckets = []float64{.1, 1}

// m2mExposition is what TestM2MExposition must collect.
var m2mExposition = header("jwtguard_m2m_proxy_requests_total") + `
jwtguard_m2m_proxy_requests_total{result="hit",source="gateway"} 1
jwtguard_m2m_proxy_requests_total{result="miss",source="gateway"} 1
jwtguard_m2m_proxy_requests_total{result="rejected",source="gateway"} 1
jwtguard_m2m_proxy_requests_total{result="upstream_error",source="gateway"} 1
` + header("jwtguard_m2m_quota_limit") + `
jwtguard_m2m_quota_limit{bucket="per_day",scope="client",source="billing"} 50
jwtguard_m2m_quota_limit{bucket="per_hour",scope="client",source="billing"} 10
` + header("jwtguard_m2m_quota_remaining") + `
jwtguard_m2m_quota_remaining{bucket="per_day",scope="client",source="billing"} 48
jwtguard_m2m_quota_remaining{bucket="per_hour",scope="client",source="billing"} 8
` + header("jwtguard_m2m_store_errors_total") + `
jwtguard_m2m_store_errors_total{source="audit"} 1
` + header("jwtguard_m2m_token_request_duration_seconds") +
	promtest.Histogram("jwtguard_m2m_token_request_duration_seconds", `source="audit"`, m2mExpositionBuckets, []int{1, 1, 1}, 0) +
	promtest.Histogram("jwtguard_m2m_token_request_duration_seconds", `source="billing"`, m2mExpositionBuckets, []int{2, 2, 2}, 0) +
	promtest.Histogram("jwtguard_m2m_token_request_duration_seconds", `source="billing-replica"`, m2mExpositionBuckets, []int{1, 1, 1}, 0) +
	promtest.Histogram("jwtguard_m2m_token_request_duration_seconds", `source="gateway"`, m2mExpositionBuckets, []int{2, 2, 2}, 0) +
	promtest.Histogram("jwtguard_m2m_token_request_duration_seconds", `source="reports"`, m2mExpositionBuckets, []int{1, 1, 1}, 0) +
	header("jwtguard_m2m_token_requests_total") + `
jwtguard_m2m_token_requests_total{result="error",source="gateway",trigger="proxy"} 1
jwtguard_m2m_token_requests_total{result="error",source="reports",trigger="initial"} 1
jwtguard_m2m_token_requests_total{result="minted",source="audit",trigger="initial"} 1
jwtguard_m2m_token_requests_total{result="minted",source="billing",trigger="background"} 1
jwtguard_m2m_token_requests_total{result="minted",source="billing",trigger="initial"} 1
jwtguard_m2m_token_requests_total{result="minted",source="gateway",trigger="proxy"} 1
jwtguard_m2m_token_requests_total{result="shared",source="billing-replica",trigger="initial"} 1
` + header("jwtguard_m2m_tokens_served_total") + `
jwtguard_m2m_tokens_served_total{source="billing"} 2
jwtguard_m2m_tokens_served_total{source="billing-replica"} 1
jwtguard_m2m_tokens_served_total{source="gateway"} 1
`

// gaugeValue returns the value of the one series of gauge family name
// in c that has the given label values, failing the test if there is not
// exactly one.
func gaugeValue(t *testing.T, c prometheus.Collector, name string, labels map[string]string) float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	var found []float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if v, ok := labels[lp.GetName()]; ok && v != lp.GetValue() {
					continue series
				}
			}
			found = append(found, m.GetGauge().GetValue())
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d series of %s with %v, want 1", len(found), name, labels)
	}
	return found[0]
}

// The m2m side of a Collector is one field in an m2m.Config or
// m2m.ProxyConfig. A request the Proxy refuses needs no network.
func Example_m2m() {
	reg := prometheus.NewRegistry()
	m, err := metrics.New(metrics.Config{Registerer: reg})
	if err != nil {
		log.Fatal(err)
	}
	p, err := m2m.NewProxy(m2m.ProxyConfig{
		TokenURL: "https://tenant.example.auth0.com/oauth/token",
		Secret:   []byte("a proxy secret of at least 32 bytes"),
		Name:     "gateway",
		Metrics:  m,
	})
	if err != nil {
		log.Fatal(err)
	}
	w := httptest.NewRecorder()
	p.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/oauth/token", nil))
	fmt.Println(w.Code)
	promtest.PrintCounters(reg, "jwtguard_m2m_proxy_requests_total")
	// Output:
	// 405
	// jwtguard_m2m_proxy_requests_total{result="rejected",source="gateway"} 1
}

// Served runs on every TokenSource.Token call.
func BenchmarkM2MServed(b *testing.B) {
	m, err := metrics.New(metrics.Config{})
	if err != nil {
		b.Fatal(err)
	}
	h := observe.From(m).Tokens
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			h.Served("billing")
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				h.Served("billing")
			}
		})
	})
}
