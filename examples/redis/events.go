package main

import (
	"sync"

	"github.com/jwtguard/jwtguard/cache"
)

// events implements cache.Hooks for the demo: it remembers where the last
// document came from, signals documents installed on a notice, and counts
// Redis failures. (A service would use the metrics package instead.)
type events struct {
	mu       sync.Mutex
	last     cache.RefreshEvent
	failures int
	shared   chan struct{}
}

func newEvents() *events { return &events{shared: make(chan struct{}, 16)} }

func (e *events) Refreshed(ev cache.RefreshEvent) {
	e.mu.Lock()
	e.last = ev
	e.mu.Unlock()
	if ev.Trigger == cache.TriggerShared && ev.Result == cache.ResultUpdated {
		select {
		case e.shared <- struct{}{}:
		default:
		}
	}
}

func (e *events) StaleServed(string)                        {}
func (e *events) UnknownKID(string, cache.UnknownKIDAction) {}

func (e *events) StoreFailed(string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.failures++
}

// lastSource says where the latest document came from.
func (e *events) lastSource() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.last.Shared {
		return "shared by another replica through Redis"
	}
	return "fetched from the identity provider"
}

func (e *events) storeFailures() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.failures
}

// drain forgets the documents installed so far.
func (e *events) drain() {
	for {
		select {
		case <-e.shared:
		default:
			return
		}
	}
}
