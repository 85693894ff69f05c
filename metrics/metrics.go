package metrics

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jwtguard/jwtguard/internal/observe"
)

// defaultRefreshBuckets are the default buckets of
// jwks_refresh_duration_seconds: 5 ms to 10 s, the default fetch timeout.
var defaultRefreshBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// defaultVerificationBuckets are the default buckets of
// jwt_verification_duration_seconds: 10 µs (a rejected token) to 1 s (a
// verification that waited for a key fetch).
var defaultVerificationBuckets = []float64{
	.00001, .000025, .00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1,
}

// Config configures a Collector. A zero field means the documented default.
type Config struct {
	// Namespace is the first part of every metric name
	// (<namespace>_jwks_refresh_total, …). It must match
	// [a-zA-Z_][a-zA-Z0-9_]*. If empty, "jwtguard".
	Namespace string
	// Registerer receives the Collector. If nil, nothing is registered:
	// register the Collector yourself, or read it with
	// prometheus/testutil. New never uses the global default registry
	// unless it is passed here.
	Registerer prometheus.Registerer
	// RefreshBuckets are the buckets of jwks_refresh_duration_seconds, in
	// seconds. If nil, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5 and 10
	// (5 ms to 10 s, the default fetch timeout).
	RefreshBuckets []float64
	// VerificationBuckets are the buckets of
	// jwt_verification_duration_seconds, in seconds. If nil, .00001,
	// .000025, .00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025,
	// .05, .1, .25, .5 and 1 (10 µs, a rejected token, to 1 s, a
	// verification that waited for a key fetch).
	VerificationBuckets []float64
	// TokenRequestBuckets are the buckets of
	// m2m_token_request_duration_seconds, in seconds. If nil, .001,
	// .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10 and 30 (1 ms,
	// a token read from a shared store, to 30 s, m2m's default Timeout).
	TokenRequestBuckets []float64
	// IssuerLabel, if set, maps an issuer to the value of the issuer
	// label, for a service with many issuers (provider.TenantsConfig):
	// return one value ("tenant") or a group you assign (a plan, a
	// region), from a small fixed set; the fixed issuers may keep their
	// own. It is called on every verification: keep it a map look-up.
	// Without it the label is the issuer, and every issuer adds up to
	// about 110 series (see the package documentation). The gauges of a label
	// shared by several issuers are the last any of them reported
	// (jwks_keys, the last success time) or the freshest (jwks_age_seconds:
	// one stale tenant hides behind the others): alert on the refresh
	// errors of the group instead.
	IssuerLabel func(issuer string) string
}

// Collector holds jwtguard's metrics: give it as the Metrics of the
// configs whose work it counts — the Verifier (and its key caches), the
// middleware's DPoP checks, a replay store, m2m's token sources and
// proxies. It implements prometheus.Collector and is safe for concurrent
// use.
type Collector struct {
	issuerLabel func(string) string // nil: the issuer itself
	jwks        *jwksMetrics
	jwt         *jwtMetrics
	dpop        *dpopMetrics
	m2m         *m2mMetrics
	// parts are the collectors of every group above; Describe and Collect
	// walk them. A new group (hooks of another package) adds itself here.
	parts []prometheus.Collector
	sink  // makes the Collector a Metrics of the configs it counts for
}

// sink is observe.Sink under a name that keeps it out of go doc.
type sink = observe.Sink

var _ prometheus.Collector = (*Collector)(nil)

// New validates cfg, creates the metrics and registers them on
// cfg.Registerer as one Collector. Registering on a registry that already
// holds a Collector of the same namespace returns an error matching
// prometheus.AlreadyRegisteredError (errors.As), whose ExistingCollector is
// the *Collector already there; New never panics over registration.
func New(cfg Config) (*Collector, error) {
	var err error
	if cfg.Namespace, err = checkNamespace("metrics", cfg.Namespace); err != nil {
		return nil, err
	}
	if cfg.RefreshBuckets, err = checkBuckets("metrics", "RefreshBuckets", cfg.RefreshBuckets, defaultRefreshBuckets); err != nil {
		return nil, err
	}
	if cfg.VerificationBuckets, err = checkBuckets("metrics", "VerificationBuckets", cfg.VerificationBuckets, defaultVerificationBuckets); err != nil {
		return nil, err
	}
	if cfg.TokenRequestBuckets, err = checkBuckets("metrics", "TokenRequestBuckets", cfg.TokenRequestBuckets, defaultTokenRequestBuckets); err != nil {
		return nil, err
	}
	c := &Collector{
		issuerLabel: cfg.IssuerLabel,
		jwks:        newJWKSMetrics(cfg),
		jwt:         newJWTMetrics(cfg),
		dpop:        newDPoPMetrics(cfg),
		m2m:         newM2MMetrics(cfg),
	}
	c.parts = []prometheus.Collector{c.jwks, c.jwt, c.dpop, c.m2m}
	observe.Fill(&c.sink, observe.Hooks{Keys: (*keyHooks)(c), Verifications: (*jwtHooks)(c), DPoP: (*dpopHooks)(c), Tokens: (*tokenHooks)(c)})
	if cfg.Registerer != nil {
		if err := cfg.Registerer.Register(c); err != nil {
			return nil, fmt.Errorf("metrics: registering the collector: %w", err)
		}
	}
	return c, nil
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
