// Package hangtest helps test that callers never wait for a provider that
// hangs. Gate is an http.RoundTripper that passes requests through until
// it is shut, and then holds every request until it is opened again (or
// the request's context ends): made inside a testing/synctest bubble, a
// held request is durably blocked, so the bubble's clock moves on while
// the provider "hangs" — which a server that blocks in its handler,
// outside the bubble, cannot give. Traffic makes calls at a rate for a
// stretch of simulated time and reports the first that waited.
//
// A Gate is safe for concurrent use.
package hangtest

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Gate is the gate; the zero value is not ready: use NewGate.
type Gate struct {
	mu   sync.Mutex
	shut chan struct{} // nil while open
	held atomic.Int64
	next http.RoundTripper
}

// NewGate returns an open gate in front of a transport without
// keep-alives (an idle connection would keep a bubble from ever going
// idle).
func NewGate() *Gate {
	return &Gate{next: &http.Transport{DisableKeepAlives: true}}
}

// Client returns an HTTP client that goes through the gate.
func (g *Gate) Client() *http.Client { return &http.Client{Transport: g} }

// Shut makes the requests from now on wait until Open.
func (g *Gate) Shut() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.shut == nil {
		g.shut = make(chan struct{})
	}
}

// Open lets the waiting requests and all later ones through.
func (g *Gate) Open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.shut != nil {
		close(g.shut)
		g.shut = nil
	}
}

// Held returns how many requests found the gate shut.
func (g *Gate) Held() int64 { return g.held.Load() }

// RoundTrip implements http.RoundTripper.
func (g *Gate) RoundTrip(r *http.Request) (*http.Response, error) {
	g.mu.Lock()
	shut := g.shut
	g.mu.Unlock()
	if shut != nil {
		g.held.Add(1)
		select {
		case <-shut:
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	return g.next.RoundTrip(r)
}

// Traffic calls call perSec times a second for d of simulated time — from
// four goroutines, each in batches every 100 ms; one call at a time below
// 40 a second — or, idle (perSec 0), once after each tenth of d. It must
// run inside a synctest bubble, where the clock moves only when every
// goroutine is durably blocked: a call that returns at the instant it was
// made did not wait, whatever the scheduling. Traffic returns a
// description of the first call that waited or failed, or "".
func Traffic(d time.Duration, perSec int, call func() error) string {
	var (
		mu    sync.Mutex
		first string
	)
	calls := func(n int) {
		for range n {
			start := time.Now()
			err := call()
			if waited := time.Since(start); waited != 0 || err != nil {
				mu.Lock()
				if first == "" {
					first = fmt.Sprintf("a call at %v (simulated) waited %v: %v", start, waited, err)
				}
				mu.Unlock()
				return
			}
		}
	}
	workers, every, batch := 4, 100*time.Millisecond, perSec/40
	switch {
	case perSec == 0:
		workers, every, batch = 1, d/10, 1
		time.Sleep(every)
	case batch == 0:
		workers, every, batch = 1, time.Second/time.Duration(perSec), 1
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for elapsed := time.Duration(0); elapsed < d; elapsed += every {
				calls(batch)
				time.Sleep(every)
			}
		})
	}
	wg.Wait()
	return first
}
