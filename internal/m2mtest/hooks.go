package m2mtest

import (
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/m2m"
)

// eventBuffer is how many refresh events Hooks holds for Next before
// Refreshed blocks.
const eventBuffer = 1 << 12

// Hooks is an m2m.Hooks that records what it is told. Its readers return
// copies taken under its lock.
type Hooks struct {
	wait   time.Duration
	events chan m2m.RefreshEvent // every Refreshed, in order, for Next

	mu        sync.Mutex
	refreshes []m2m.RefreshEvent
	served    int64
	quotas    [][]m2m.Quota
	proxy     map[m2m.ProxyResult]int
	storeErrs []error
}

// NewHooks returns a recorder whose Next waits up to wait for an event (of
// the bubble's clock inside a testing/synctest bubble).
func NewHooks(wait time.Duration) *Hooks {
	return &Hooks{wait: wait, events: make(chan m2m.RefreshEvent, eventBuffer), proxy: map[m2m.ProxyResult]int{}}
}

// Refreshed records ev and queues it for Next.
func (h *Hooks) Refreshed(ev m2m.RefreshEvent) {
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
func (h *Hooks) QuotaReported(_ string, q []m2m.Quota) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.quotas = append(h.quotas, q)
}

// ProxyRequest counts r.
func (h *Hooks) ProxyRequest(_ string, r m2m.ProxyResult) {
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
func (h *Hooks) Next(t testing.TB) m2m.RefreshEvent {
	t.Helper()
	select {
	case ev := <-h.events:
		return ev
	case <-time.After(h.wait):
		t.Fatalf("m2mtest: no refresh event within %v", h.wait)
		return m2m.RefreshEvent{}
	}
}

// Results counts the refreshes so far by result.
func (h *Hooks) Results() map[m2m.Result]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[m2m.Result]int{}
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
func (h *Hooks) Quotas() [][]m2m.Quota {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.quotas)
}

// ProxyResults counts the proxy requests so far by result.
func (h *Hooks) ProxyResults() map[m2m.ProxyResult]int {
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
