package metrics_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/promtest"
	"github.com/jwtguard/jwtguard/metrics"
)

// touchAll makes every metric of c have one series.
func touchAll(c *metrics.Collector, iss string) {
	observe.From(c).Keys.Refreshed(observe.Refresh{Issuer: iss, Trigger: observe.TriggerInitial, Result: observe.ResultUpdated,
		Duration: time.Millisecond, Keys: 1, FetchedAt: time.Now()})
	observe.From(c).Keys.StaleServed(iss)
	observe.From(c).Keys.UnknownKID(iss, observe.KIDSuppressed)
	observe.From(c).Keys.StoreFailed(iss, errors.New("store down"))
	observe.From(c).Verifications.Verified(iss, nil, time.Millisecond)
	observe.From(c).Verifications.TokenCached(iss, observe.CacheHit)
	observe.From(c).DPoP.Checked("")
	observe.From(c).DPoP.ReplayStoreFailed(errors.New("store down"))
	observe.From(c).Tokens.Refreshed(observe.TokenRefresh{Source: "billing", Trigger: observe.TokenInitial, Result: observe.TokenMinted, Duration: time.Millisecond})
	observe.From(c).Tokens.Served("billing")
	observe.From(c).Tokens.QuotaReported("billing", []observe.Quota{{Scope: "client", Bucket: "per_hour", Limit: 10, Remaining: 9, Reset: time.Hour}})
	observe.From(c).Tokens.ProxyRequest("gateway", observe.ProxyHit)
	observe.From(c).Tokens.StoreFailed("billing", errors.New("store down"))
}

// familyNames gathers g and returns the names of its families.
func familyNames(t *testing.T, g prometheus.Gatherer) []string {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	var names []string
	for _, mf := range mfs {
		names = append(names, mf.GetName())
	}
	return names
}

// TestNewRegistersEveryMetric checks that the collector has the metrics of
// the families table, with its types and help texts.
func TestNewRegistersEveryMetric(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	c, err := metrics.New(metrics.Config{Registerer: reg})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	touchAll(c, "https://issuer.example")
	got := strings.Join(familyNames(t, reg), "\n")
	if want := strings.Join(allNames, "\n"); got != want {
		t.Errorf("gathered families:\n%s\nwant:\n%s", got, want)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	for _, mf := range mfs {
		f := families[mf.GetName()]
		if typ := strings.ToLower(mf.GetType().String()); typ != f.typ || mf.GetHelp() != f.help {
			t.Errorf("%s: %s %q, want %s %q", mf.GetName(), typ, mf.GetHelp(), f.typ, f.help)
		}
	}
}

func TestNewNamespace(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	c, err := metrics.New(metrics.Config{Namespace: "auth", Registerer: reg})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	touchAll(c, "https://issuer.example")
	names := familyNames(t, reg)
	if len(names) != len(allNames) {
		t.Fatalf("got %d families %q, want %d", len(names), names, len(allNames))
	}
	for i, n := range names {
		if want := "auth_" + strings.TrimPrefix(allNames[i], "jwtguard_"); n != want {
			t.Errorf("family %d = %q, want %q", i, n, want)
		}
	}
}

func TestNewNilRegistererRegistersNothing(t *testing.T) {
	before := familyNames(t, prometheus.DefaultGatherer)
	c, err := metrics.New(metrics.Config{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	touchAll(c, "https://issuer.example")

	// The collector works on its own …
	if n := testutil.CollectAndCount(c); n != len(allNames) {
		t.Errorf("CollectAndCount = %d, want %d (one series per metric)", n, len(allNames))
	}
	// … and the global default registry did not get it.
	for _, n := range familyNames(t, prometheus.DefaultGatherer) {
		if strings.HasPrefix(n, "jwtguard_") {
			t.Errorf("default registry has %q after New with a nil Registerer", n)
		}
	}
	if after := familyNames(t, prometheus.DefaultGatherer); len(after) != len(before) {
		t.Errorf("default registry families: %d before New, %d after", len(before), len(after))
	}
}

func TestNewTwiceOnOneRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	first, err := metrics.New(metrics.Config{Registerer: reg})
	if err != nil {
		t.Fatalf("first New: %v", err)
	}
	second, err := metrics.New(metrics.Config{Registerer: reg})
	if err == nil {
		t.Fatal("second New on the same registry: no error")
	}
	if second != nil {
		t.Errorf("second New returned a collector with its error")
	}
	var are prometheus.AlreadyRegisteredError
	if !errors.As(err, &are) {
		t.Fatalf("error %v (%T) does not match prometheus.AlreadyRegisteredError", err, err)
	}
	if are.ExistingCollector != first {
		t.Errorf("ExistingCollector = %v, want the first collector", are.ExistingCollector)
	}
	if !strings.HasPrefix(err.Error(), "metrics: ") {
		t.Errorf("error %q does not start with the package name", err)
	}
	// Another namespace on the same registry is fine.
	if _, err := metrics.New(metrics.Config{Namespace: "other", Registerer: reg}); err != nil {
		t.Errorf("New with another namespace: %v", err)
	}
}

func TestNewConflictingMetricIsAnError(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{Name: "jwtguard_jwks_keys", Help: "someone else's"}))
	_, err := metrics.New(metrics.Config{Registerer: reg})
	if err == nil {
		t.Fatal("New over a registry holding jwtguard_jwks_keys: no error")
	}
	if !strings.Contains(err.Error(), "jwtguard_jwks_keys") {
		t.Errorf("error %q does not name the conflicting metric", err)
	}
}

func TestNewInvalidConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  metrics.Config
		want string
	}{
		{"namespace with a dash", metrics.Config{Namespace: "my-app"}, "Config.Namespace"},
		{"namespace starting with a digit", metrics.Config{Namespace: "1app"}, "Config.Namespace"},
		{"namespace with a colon", metrics.Config{Namespace: "a:b"}, "Config.Namespace"},
		{"empty refresh buckets", metrics.Config{RefreshBuckets: []float64{}}, "Config.RefreshBuckets"},
		{"unsorted refresh buckets", metrics.Config{RefreshBuckets: []float64{1, 0.5}}, "Config.RefreshBuckets"},
		{"repeated verification bucket", metrics.Config{VerificationBuckets: []float64{0.1, 0.1}}, "Config.VerificationBuckets"},
		{"unsorted token request buckets", metrics.Config{TokenRequestBuckets: []float64{2, 1}}, "Config.TokenRequestBuckets"},
		{"empty token request buckets", metrics.Config{TokenRequestBuckets: []float64{}}, "Config.TokenRequestBuckets"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := metrics.New(tt.cfg)
			if err == nil {
				t.Fatalf("New(%+v) = %v, want an error", tt.cfg, c)
			}
			if !strings.HasPrefix(err.Error(), "metrics: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q: want it to start with %q and name %s", err, "metrics: ", tt.want)
			}
		})
	}
}

func TestCustomBuckets(t *testing.T) {
	buckets := []float64{0.001, 0.01}
	c, err := metrics.New(metrics.Config{VerificationBuckets: buckets})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	buckets[0] = 5 // New keeps its own copy
	observe.From(c).Verifications.Verified("https://issuer.example", nil, 5*time.Millisecond)
	want := header("jwtguard_jwt_verification_duration_seconds") +
		promtest.Histogram("jwtguard_jwt_verification_duration_seconds", `issuer="https://issuer.example"`, []float64{0.001, 0.01}, []int{0, 1, 1}, 0.005)
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "jwtguard_jwt_verification_duration_seconds"); err != nil {
		t.Error(err)
	}
}

func TestLint(t *testing.T) {
	c, err := metrics.New(metrics.Config{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	touchAll(c, "https://issuer.example")
	problems, err := testutil.CollectAndLint(c)
	if err != nil {
		t.Fatalf("CollectAndLint: %v", err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}
