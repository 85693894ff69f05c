package metrics

import (
	"sync"
	"time"

	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/prometheus/client_golang/prometheus"
)

// The values the cache's enum labels may take.
var (
	triggers = []observe.Trigger{
		observe.TriggerInitial, observe.TriggerTime, observe.TriggerUsage, observe.TriggerBackground,
		observe.TriggerUnknownKID, observe.TriggerManual, observe.TriggerShared,
	}
	results = []observe.Result{observe.ResultUpdated, observe.ResultNotModified, observe.ResultError}
	actions = []observe.KIDAction{observe.KIDRefreshed, observe.KIDSuppressed, observe.KIDRejected}
)

// The values of jwks_refresh_total's source label: the fleet's provider
// fetches are the sum of its source="provider" refreshes.
const (
	sourceProvider = "provider"
	sourceStore    = "store"
)

// jwksMetrics are the key cache's metrics (subsystem "jwks").
type jwksMetrics struct {
	refreshes   *prometheus.CounterVec
	refreshTime *prometheus.HistogramVec
	keys        *prometheus.GaugeVec
	lastSuccess *prometheus.GaugeVec
	staleServed *prometheus.CounterVec
	unknownKID  *prometheus.CounterVec
	storeErrors *prometheus.CounterVec

	// age is computed at scrape time from fetched: issuer label → when
	// the document serving now was fetched from the provider.
	age     *prometheus.Desc
	mu      sync.Mutex
	fetched map[string]time.Time
}

func newJWKSMetrics(cfg Config) *jwksMetrics {
	const sub = "jwks"
	opts := func(name, help string) prometheus.Opts {
		return prometheus.Opts{Namespace: cfg.Namespace, Subsystem: sub, Name: name, Help: help}
	}
	issuer := []string{"issuer"}
	return &jwksMetrics{
		refreshes: prometheus.NewCounterVec(prometheus.CounterOpts(opts("refresh_total",
			"JWKS refreshes by trigger (initial, time, usage, background, unknown_kid, manual, shared), result (updated, not_modified, error) and source (provider: fetched by this process, or tried; store: another process's fetch, taken from the shared store).")),
			[]string{"issuer", "trigger", "result", "source"}),
		refreshTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: cfg.Namespace, Subsystem: sub, Name: "refresh_duration_seconds",
			Help:    "Duration of JWKS refreshes, successful or not.",
			Buckets: cfg.RefreshBuckets,
		}, issuer),
		keys: prometheus.NewGaugeVec(prometheus.GaugeOpts(opts("keys",
			"Usable verification keys held after the last refresh.")), issuer),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts(opts("last_refresh_success_timestamp_seconds",
			"Unix time of the last successful JWKS refresh (updated or not_modified).")), issuer),
		staleServed: prometheus.NewCounterVec(prometheus.CounterOpts(opts("stale_served_total",
			"Key look-ups served by an expired key set while its refresh ran or failed.")), issuer),
		unknownKID: prometheus.NewCounterVec(prometheus.CounterOpts(opts("unknown_kid_total",
			"Tokens naming a kid the key set did not hold, by action (refreshed: found after a refresh, suppressed: no refresh allowed, rejected: still unknown after a refresh).")),
			[]string{"issuer", "action"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts(opts("store_errors_total",
			"Failures of the shared JWKS store; the cache fetched from the provider itself.")), issuer),
		age: prometheus.NewDesc(prometheus.BuildFQName(cfg.Namespace, sub, "age_seconds"),
			"Seconds since the JWKS document serving now was fetched from the provider (by this process or, through the store, another).",
			issuer, nil),
		fetched: make(map[string]time.Time),
	}
}

func (m *jwksMetrics) vecs() []prometheus.Collector {
	return []prometheus.Collector{m.refreshes, m.refreshTime, m.keys, m.lastSuccess, m.staleServed, m.unknownKID, m.storeErrors}
}

// Describe implements prometheus.Collector.
func (m *jwksMetrics) Describe(ch chan<- *prometheus.Desc) {
	for _, v := range m.vecs() {
		v.Describe(ch)
	}
	ch <- m.age
}

// Collect implements prometheus.Collector; jwks_age_seconds is computed
// now.
func (m *jwksMetrics) Collect(ch chan<- prometheus.Metric) {
	for _, v := range m.vecs() {
		v.Collect(ch)
	}
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	for iss, at := range m.fetched {
		ch <- prometheus.MustNewConstMetric(m.age, prometheus.GaugeValue, max(0, now.Sub(at).Seconds()), iss)
	}
}

// setFetched records when the document serving for iss was fetched; the
// latest time wins, so events reported out of order cannot age the keys.
func (m *jwksMetrics) setFetched(iss string, at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if at.After(m.fetched[iss]) {
		m.fetched[iss] = at
	}
}

// keyHooks is a Collector as the receiver of the key caches' events.
type keyHooks Collector

// Refreshed counts the refresh, observes its duration, sets the key count
// and, on success, the last success time, and keeps the document's fetch
// time for jwks_age_seconds.
func (k *keyHooks) Refreshed(ev observe.Refresh) {
	c := (*Collector)(k)
	m := c.jwks
	iss := issuerLabel(c.issuerOf(ev.Issuer))
	source := sourceProvider
	if ev.Shared && ev.Err == nil {
		source = sourceStore
	}
	m.refreshes.WithLabelValues(iss, enumLabel(ev.Trigger, triggers), enumLabel(ev.Result, results), source).Inc()
	m.refreshTime.WithLabelValues(iss).Observe(ev.Duration.Seconds())
	m.keys.WithLabelValues(iss).Set(float64(ev.Keys))
	if ev.Result == observe.ResultUpdated || ev.Result == observe.ResultNotModified {
		m.lastSuccess.WithLabelValues(iss).SetToCurrentTime()
	}
	if !ev.FetchedAt.IsZero() {
		m.setFetched(iss, ev.FetchedAt)
	}
}

// StaleServed counts one look-up served by expired keys.
func (k *keyHooks) StaleServed(issuer string) {
	c := (*Collector)(k)
	c.jwks.staleServed.WithLabelValues(issuerLabel(c.issuerOf(issuer))).Inc()
}

// UnknownKID counts what was done about an unknown kid.
func (k *keyHooks) UnknownKID(issuer string, action observe.KIDAction) {
	c := (*Collector)(k)
	c.jwks.unknownKID.WithLabelValues(issuerLabel(c.issuerOf(issuer)), enumLabel(action, actions)).Inc()
}

// StoreFailed counts a Store failure; the error itself is the logger's
// business (cache.Config.Logger), not a label.
func (k *keyHooks) StoreFailed(issuer string, _ error) {
	c := (*Collector)(k)
	c.jwks.storeErrors.WithLabelValues(issuerLabel(c.issuerOf(issuer))).Inc()
}
