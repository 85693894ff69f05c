package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jwtguard/jwtguard/internal/observe"
)

// defaultTokenRequestBuckets are the default buckets of
// m2m_token_request_duration_seconds: 1 ms (a token read from a shared
// store) to 30 s, m2m's default Timeout.
var defaultTokenRequestBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// tokenHooks is a Collector as the receiver of m2m's events.
type tokenHooks Collector

// unnamedSource labels the events of a TokenSource or proxy whose name is
// empty (a TokenSource with neither Name nor Audience).
const unnamedSource = "unnamed"

// The values the m2m enum labels may take.
var (
	m2mTriggers  = []observe.TokenTrigger{observe.TokenInitial, observe.TokenExpired, observe.TokenBackground, observe.TokenProxy}
	m2mResults   = []observe.TokenResult{observe.TokenMinted, observe.TokenShared, observe.TokenFailed}
	proxyResults = []observe.ProxyResult{observe.ProxyHit, observe.ProxyMiss, observe.ProxyUpstreamError, observe.ProxyRejected}
	// quotaScopes are the quota scopes (one per header) and
	// quotaBuckets the windows Auth0 declares; whatever else an upstream
	// sends is labelled "other", so that it cannot add series.
	quotaScopes  = []string{"client", "organization"}
	quotaBuckets = []string{"per_hour", "per_day"}
)

// sourceLabel returns the source label for s, the Config.Name or
// ProxyConfig.Name of the TokenSource or proxy: "unnamed" for "", s
// otherwise, made valid UTF-8. Names come from configuration, which
// bounds the label.
func sourceLabel(s string) string { return validLabel(s, unnamedSource) }

// m2mMetrics are the metrics of m2m TokenSources and Proxies (subsystem
// "m2m").
type m2mMetrics struct {
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	served      *prometheus.CounterVec
	limit       *prometheus.GaugeVec
	remaining   *prometheus.GaugeVec
	reset       *prometheus.GaugeVec
	proxy       *prometheus.CounterVec
	storeErrors *prometheus.CounterVec

	// servedBy caches the tokens_served_total counter of each source:
	// Served runs on every TokenSource.Token call, which is lock-free, and
	// a sync.Map read keeps it so where CounterVec takes a read lock.
	servedBy sync.Map // source (as passed) → prometheus.Counter
}

func newM2MMetrics(cfg Config) *m2mMetrics {
	const sub = "m2m"
	opts := func(name, help string) prometheus.Opts {
		return prometheus.Opts{Namespace: cfg.Namespace, Subsystem: sub, Name: name, Help: help}
	}
	source := []string{"source"}
	quota := []string{"source", "scope", "bucket"}
	return &m2mMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts(opts("token_requests_total",
			"TokenSource refreshes and Proxy cache misses by trigger (initial, expired, background, proxy) and result (minted: issued by the token endpoint, one unit of quota used; shared: read from the store, minted by another source or process; error).")),
			[]string{"source", "trigger", "result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: cfg.Namespace, Subsystem: sub, Name: "token_request_duration_seconds",
			Help:    "Duration of TokenSource refreshes and Proxy upstream requests, whatever their result.",
			Buckets: cfg.TokenRequestBuckets,
		}, source),
		served: prometheus.NewCounterVec(prometheus.CounterOpts(opts("tokens_served_total",
			"Tokens handed out without a token request of their own (quota saved): held by a TokenSource, read from the store, or answered from a Proxy's cache.")),
			source),
		limit: prometheus.NewGaugeVec(prometheus.GaugeOpts(opts("quota_limit",
			"Tokens the quota window allows, as the token endpoint's last answer declared it (Auth0-Client-Quota-Limit: scope client, Auth0-Organization-Quota-Limit: organization).")),
			quota),
		remaining: prometheus.NewGaugeVec(prometheus.GaugeOpts(opts("quota_remaining",
			"Tokens left in the quota window when the token endpoint last answered; the window may have reset since (see quota_reset_timestamp_seconds).")),
			quota),
		reset: prometheus.NewGaugeVec(prometheus.GaugeOpts(opts("quota_reset_timestamp_seconds",
			"Unix time at which the quota window resets, as the token endpoint's last answer declared it.")),
			quota),
		proxy: prometheus.NewCounterVec(prometheus.CounterOpts(opts("proxy_requests_total",
			"Requests to a Proxy by result (hit: answered from the cache, miss: a token minted upstream for it, upstream_error: the upstream failure passed on, rejected: refused before any upstream call).")),
			[]string{"source", "result"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts(opts("store_errors_total",
			"Failures of the token store; the token was requested without it.")), source),
	}
}

func (m *m2mMetrics) vecs() []prometheus.Collector {
	return []prometheus.Collector{m.requests, m.duration, m.served, m.limit, m.remaining, m.reset, m.proxy, m.storeErrors}
}

// Describe implements prometheus.Collector.
func (m *m2mMetrics) Describe(ch chan<- *prometheus.Desc) {
	for _, v := range m.vecs() {
		v.Describe(ch)
	}
}

// Collect implements prometheus.Collector.
func (m *m2mMetrics) Collect(ch chan<- prometheus.Metric) {
	for _, v := range m.vecs() {
		v.Collect(ch)
	}
}

// Refreshed counts the refresh or proxy cache miss under its trigger and
// result and observes its duration. A trigger or result m2m does not
// define is labelled "other".
func (c *tokenHooks) Refreshed(ev observe.TokenRefresh) {
	m := c.m2m
	src := sourceLabel(ev.Source)
	m.requests.WithLabelValues(src, enumLabel(ev.Trigger, m2mTriggers), enumLabel(ev.Result, m2mResults)).Inc()
	m.duration.WithLabelValues(src).Observe(ev.Duration.Seconds())
}

// Served counts one token handed out without a request of its own. It
// takes no lock once the source has been seen.
func (c *tokenHooks) Served(source string) {
	m := c.m2m
	cached(&m.servedBy, source, func() prometheus.Counter {
		return m.served.WithLabelValues(sourceLabel(source))
	}).Inc()
}

// QuotaReported sets the limit, the remaining
// tokens and the reset time of each bucket. A scope other than client and
// organization, or a bucket other than per_hour and per_day, is labelled
// "other" (so an upstream cannot add series); of several buckets that
// fall under one label set, the last wins.
func (c *tokenHooks) QuotaReported(source string, quotas []observe.Quota) {
	m := c.m2m
	src := sourceLabel(source)
	now := time.Now()
	for _, q := range quotas {
		scope, bucket := enumLabel(q.Scope, quotaScopes), enumLabel(q.Bucket, quotaBuckets)
		m.limit.WithLabelValues(src, scope, bucket).Set(float64(q.Limit))
		m.remaining.WithLabelValues(src, scope, bucket).Set(float64(q.Remaining))
		m.reset.WithLabelValues(src, scope, bucket).Set(float64(now.Add(q.Reset).UnixNano()) / 1e9)
	}
}

// ProxyRequest counts a proxy request by result. A result m2m does not
// define is labelled "other".
func (c *tokenHooks) ProxyRequest(source string, result observe.ProxyResult) {
	c.m2m.proxy.WithLabelValues(sourceLabel(source), enumLabel(result, proxyResults)).Inc()
}

// StoreFailed counts a Store failure; the error itself is the logger's
// business (m2m.Config.Logger), not a label.
func (c *tokenHooks) StoreFailed(source string, _ error) {
	c.m2m.storeErrors.WithLabelValues(sourceLabel(source)).Inc()
}
