package m2mtest

import (
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/internal/observe"
)

// eventBuffer is how many refresh events Hooks holds for Next before
// Refreshed blocks.
const eventBuffer = 1 << 12

// Hooks records the events of m2m (observe.Tokens) and is its own
// Metrics (observe.Source). Its readers return copies taken under its
// lock.
type Hooks struct {
	observe.Sink // a Source of itself, for Config.Metrics

	wait   time.Duration
	events chan observe.TokenRefresh // every Refreshed, in order, for Next

	mu        sync.Mutex
	refreshes []observe.TokenRefresh
	served    int64
	quotas    [][]observe.Quota
	proxy     map[observe.ProxyResult]int
	storeErrs []error
}

// NewHooks returns a recorder whose Next waits up to wait for an event (of
// the bubble's clock inside a testing/synctest bubble).
func NewHooks(wait time.Duration) *Hooks {
	h := &Hooks{wait: wait, events: make(chan observe.TokenRefresh, eventBuffer), proxy: map[observe.ProxyResult]int{}}
	observe.Fill(&h.Sink, observe.Hooks{Tokens: h})
	return h
}

// Refreshed records ev and queues it for Next.
func (h *Hooks) Refreshed(ev observe.TokenRefresh) {
	h.mu.Lock()
	h.refreshes = append(h.refreshes, ev)
	h.mu.Unlock()
	h.events <- ev
}

// Served counts a token served.
func (h *Hooks) Served(string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.served++
}

// QuotaReported records q.
func (h *Hooks) QuotaReported(_ string, q []observe.Quota) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.quotas = append(h.quotas, q)
}

// ProxyRequest counts r.
func (h *Hooks) ProxyRequest(_ string, r observe.ProxyResult) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.proxy[r]++
}

// StoreFailed records err.
func (h *Hooks) StoreFailed(_ string, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.storeErrs = append(h.storeErrs, err)
}

// Next returns the next refresh event, failing the test if none comes
// within the wait given to NewHooks.
func (h *Hooks) Next(t testing.TB) observe.TokenRefresh {
	t.Helper()
	select {
	case ev := <-h.events:
		return ev
	case <-time.After(h.wait):
		t.Fatalf("m2mtest: no refresh event within %v", h.wait)
		return observe.TokenRefresh{}
	}
}

// Results counts the refreshes so far by result.
func (h *Hooks) Results() map[observe.TokenResult]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[observe.TokenResult]int{}
	for _, ev := range h.refreshes {
		out[ev.Result]++
	}
	return out
}

// ServedCount returns how many Served calls there were.
func (h *Hooks) ServedCount() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.served
}

// Quotas returns every QuotaReported's quotas, in order.
func (h *Hooks) Quotas() [][]observe.Quota {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.quotas)
}

// ProxyResults counts the proxy requests so far by result.
func (h *Hooks) ProxyResults() map[observe.ProxyResult]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return maps.Clone(h.proxy)
}

// StoreErrors returns the errors StoreFailed was given, in order.
func (h *Hooks) StoreErrors() []error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.storeErrs)
}
