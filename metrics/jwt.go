package metrics

import (
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/reasons"
	"github.com/jwtguard/jwtguard/provider"
)

// The values of the verification metrics' result and reason labels.
const (
	resultSuccess = "success"
	resultFailure = "failure"
	// reasonNone is the reason of a successful verification.
	reasonNone = "none"
	// reasonError replaces a reason code provider.Reason may not return.
	reasonError = "error"
)

// knownReasons are the reason codes provider.Reason may return for an
// error.
var knownReasons = func() map[string]bool {
	m := make(map[string]bool)
	for _, r := range reasons.Codes {
		m[r] = true
	}
	return m
}()

// jwtMetrics are the verifier's metrics (subsystem "jwt").
type jwtMetrics struct {
	verifications *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	tokenCache    *prometheus.CounterVec

	// successBy and durationBy cache the success counter and the duration
	// observer of each issuer (as passed: a configured one or ""), made on
	// first use: Verified runs on every request, and a sync.Map read spares
	// it the vectors' locks.
	successBy  sync.Map // issuer label → prometheus.Counter
	durationBy sync.Map // issuer label → prometheus.Observer
	// tokenCacheBy caches the token cache's counters the same way, one
	// map per event (tokenCacheEvents), so that a hit builds no key.
	tokenCacheBy [4]sync.Map // issuer label → prometheus.Counter
}

func newJWTMetrics(cfg Config) *jwtMetrics {
	const sub = "jwt"
	return &jwtMetrics{
		verifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: cfg.Namespace, Subsystem: sub, Name: "verifications_total",
			Help: `Token verifications by configured issuer ("unknown" when the token was not routed to one), result (success, failure) and reason ("none" on success, else the provider.Reason code).`,
		}, []string{"issuer", "result", "reason"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: cfg.Namespace, Subsystem: sub, Name: "verification_duration_seconds",
			Help:    "Duration of token verifications, including any wait for keys.",
			Buckets: cfg.VerificationBuckets,
		}, []string{"issuer"}),
		tokenCache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: cfg.Namespace, Subsystem: sub, Name: "token_cache_events_total",
			Help: `Events of the verifier's cache of verified tokens by issuer ("unknown" for a miss that was not routed to one) and event: hit, miss (verified in full), rejected (a forged token refused from the cache), evicted.`,
		}, []string{"issuer", "event"}),
	}
}

// Describe implements prometheus.Collector.
func (m *jwtMetrics) Describe(ch chan<- *prometheus.Desc) {
	m.verifications.Describe(ch)
	m.duration.Describe(ch)
	m.tokenCache.Describe(ch)
}

// Collect implements prometheus.Collector.
func (m *jwtMetrics) Collect(ch chan<- prometheus.Metric) {
	m.verifications.Collect(ch)
	m.duration.Collect(ch)
	m.tokenCache.Collect(ch)
}

// jwtHooks is a Collector as the receiver of a Verifier's events.
type jwtHooks Collector

// Verified counts the verification under its result and reason and
// observes its duration. issuer "" (the token was not
// routed to a configured issuer) is labelled "unknown"; a reason that
// provider.Reason never returns is labelled "error".
func (j *jwtHooks) Verified(issuer string, err error, d time.Duration) {
	c := (*Collector)(j)
	m := c.jwt
	issuer = c.issuerOf(issuer)
	cached(&m.durationBy, issuer, func() prometheus.Observer {
		return m.duration.WithLabelValues(issuerLabel(issuer))
	}).Observe(d.Seconds())
	if err == nil {
		cached(&m.successBy, issuer, func() prometheus.Counter {
			return m.verifications.WithLabelValues(issuerLabel(issuer), resultSuccess, reasonNone)
		}).Inc()
		return
	}
	reason := provider.Reason(err)
	if !knownReasons[reason] {
		reason = reasonError
	}
	m.verifications.WithLabelValues(issuerLabel(issuer), resultFailure, reason).Inc()
}

// tokenCacheEvents are the events TokenCached counts, in the order of
// jwtMetrics.tokenCacheBy; any other is dropped, so that the event label
// stays bounded.
var tokenCacheEvents = [...]observe.CacheEvent{observe.CacheHit, observe.CacheMiss, observe.CacheRejected, observe.CacheEvicted}

// TokenCached counts an event of the cache of verified tokens.
func (j *jwtHooks) TokenCached(issuer string, ev observe.CacheEvent) {
	i := slices.Index(tokenCacheEvents[:], ev)
	if i < 0 {
		return
	}
	c := (*Collector)(j)
	m := c.jwt
	issuer = c.issuerOf(issuer)
	cached(&m.tokenCacheBy[i], issuer, func() prometheus.Counter {
		return m.tokenCache.WithLabelValues(issuerLabel(issuer), string(ev))
	}).Inc()
}
