package metrics

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/provider"
)

// DefaultNamespace is the default of Config.Namespace.
const DefaultNamespace = "jwtguard"

// DefaultRefreshBuckets are the default buckets of
// jwks_refresh_duration_seconds: 5 ms to 10 s, the default fetch timeout.
var DefaultRefreshBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// DefaultVerificationBuckets are the default buckets of
// jwt_verification_duration_seconds: 10 µs (a rejected token) to 1 s (a
// verification that waited for a key fetch).
var DefaultVerificationBuckets = []float64{
	.00001, .000025, .00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1,
}

// Config configures a Collector. A zero field means the documented default.
type Config struct {
	// Namespace is the first part of every metric name
	// (<namespace>_jwks_refresh_total, …). It must match
	// [a-zA-Z_][a-zA-Z0-9_]*. If empty, DefaultNamespace ("jwtguard") is
	// used.
	Namespace string
	// Registerer receives the Collector. If nil, nothing is registered:
	// register the Collector yourself, or read it with
	// prometheus/testutil. New never uses the global default registry
	// unless it is passed here.
	Registerer prometheus.Registerer
	// RefreshBuckets are the buckets of jwks_refresh_duration_seconds, in
	// seconds. If nil, DefaultRefreshBuckets is used.
	RefreshBuckets []float64
	// VerificationBuckets are the buckets of
	// jwt_verification_duration_seconds, in seconds. If nil,
	// DefaultVerificationBuckets is used.
	VerificationBuckets []float64
	// TokenRequestBuckets are the buckets of
	// m2m_token_request_duration_seconds, in seconds. If nil,
	// DefaultTokenRequestBuckets is used.
	TokenRequestBuckets []float64
}

// Collector holds jwtguard's metrics. It implements prometheus.Collector,
// cache.Hooks, provider.Hooks and m2m.Hooks, and it is safe for concurrent
// use.
type Collector struct {
	jwks *jwksMetrics
	jwt  *jwtMetrics
	m2m  *m2mMetrics
	// parts are the collectors of every group above; Describe and Collect
	// walk them. A new group (hooks of another package) adds itself here.
	parts []prometheus.Collector
}

var (
	_ prometheus.Collector = (*Collector)(nil)
	_ cache.Hooks          = (*Collector)(nil)
	_ provider.Hooks       = (*Collector)(nil)

	_ provider.TokenCacheHooks = (*Collector)(nil)
)

var namespaceRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// New validates cfg, creates the metrics and registers them on
// cfg.Registerer as one Collector. Registering on a registry that already
// holds a Collector of the same namespace returns an error matching
// prometheus.AlreadyRegisteredError (errors.As), whose ExistingCollector is
// the *Collector already there; New never panics over registration.
func New(cfg Config) (*Collector, error) {
	if cfg.Namespace == "" {
		cfg.Namespace = DefaultNamespace
	}
	if !namespaceRE.MatchString(cfg.Namespace) {
		return nil, fmt.Errorf("metrics: Config.Namespace %q: want letters, digits and underscores, not starting with a digit", cfg.Namespace)
	}
	var err error
	if cfg.RefreshBuckets, err = buckets("RefreshBuckets", cfg.RefreshBuckets, DefaultRefreshBuckets); err != nil {
		return nil, err
	}
	if cfg.VerificationBuckets, err = buckets("VerificationBuckets", cfg.VerificationBuckets, DefaultVerificationBuckets); err != nil {
		return nil, err
	}
	if cfg.TokenRequestBuckets, err = buckets("TokenRequestBuckets", cfg.TokenRequestBuckets, DefaultTokenRequestBuckets); err != nil {
		return nil, err
	}
	c := &Collector{
		jwks: newJWKSMetrics(cfg),
		jwt:  newJWTMetrics(cfg),
		m2m:  newM2MMetrics(cfg),
	}
	c.parts = []prometheus.Collector{c.jwks, c.jwt, c.m2m}
	if cfg.Registerer != nil {
		if err := cfg.Registerer.Register(c); err != nil {
			return nil, fmt.Errorf("metrics: registering the collector: %w", err)
		}
	}
	return c, nil
}

// buckets returns a copy of b, or of def when b is nil, after checking that
// it is sorted strictly upwards.
func buckets(field string, b, def []float64) ([]float64, error) {
	if b == nil {
		b = def
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("metrics: Config.%s is empty (leave it nil for the default)", field)
	}
	for i := 1; i < len(b); i++ {
		if !(b[i] > b[i-1]) {
			return nil, fmt.Errorf("metrics: Config.%s must be sorted strictly upwards (got %v)", field, b)
		}
	}
	return slices.Clone(b), nil
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, p := range c.parts {
		p.Describe(ch)
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	for _, p := range c.parts {
		p.Collect(ch)
	}
}
