package metrics

import (
	"slices"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jwtguard/jwtguard/internal/reasons"
)

// dpopMetrics are the DPoP metrics (subsystem "dpop").
type dpopMetrics struct {
	checks      *prometheus.CounterVec
	storeErrors *prometheus.CounterVec // no labels: no series until a failure
}

func newDPoPMetrics(cfg Config) *dpopMetrics {
	m := &dpopMetrics{
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: cfg.Namespace, Subsystem: "dpop", Name: "checks_total",
			Help: `DPoP proofs checked by result (accepted, refused) and reason ("none" when accepted; dpop_replay: a replayed proof; dpop_nonce: a nonce asked for, one issued; …).`,
		}, []string{"result", "reason"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: cfg.Namespace, Subsystem: "dpop", Name: "replay_store_errors_total",
			Help: "Failures of the shared replay store; the replica checked its own memory instead.",
		}, nil),
	}
	return m
}

// Describe implements prometheus.Collector.
func (m *dpopMetrics) Describe(ch chan<- *prometheus.Desc) {
	m.checks.Describe(ch)
	m.storeErrors.Describe(ch)
}

// Collect implements prometheus.Collector.
func (m *dpopMetrics) Collect(ch chan<- prometheus.Metric) {
	m.checks.Collect(ch)
	m.storeErrors.Collect(ch)
}

// dpopHooks is a Collector as the receiver of DPoP checks.
type dpopHooks Collector

// Checked counts the check under its result and reason; a reason that is
// no DPoP refusal's is labelled "error".
func (d *dpopHooks) Checked(reason string) {
	m := d.dpop
	if reason == "" {
		m.checks.WithLabelValues("accepted", "none").Inc()
		return
	}
	if !slices.Contains(reasons.DPoP, reason) {
		reason = reasonError
	}
	m.checks.WithLabelValues("refused", reason).Inc()
}

// ReplayStoreFailed counts a failure of the shared replay store
// (dpop/redisreplay).
func (d *dpopHooks) ReplayStoreFailed(error) { d.dpop.storeErrors.WithLabelValues().Inc() }
