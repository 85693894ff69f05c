package provider_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/reasons"
	"github.com/jwtguard/jwtguard/provider"
)

// verified is one call of Verified (observe.Verifications).
type verified struct {
	issuer string
	err    error
	d      time.Duration
}

// recordHooks records every call of Verified.
type recordHooks struct {
	mu    sync.Mutex
	calls []verified
}

func (h *recordHooks) Verified(issuer string, err error, d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls = append(h.calls, verified{issuer, err, d})
}

func (h *recordHooks) TokenCached(string, observe.CacheEvent) {}

func (h *recordHooks) Hooks() *observe.Hooks { return &observe.Hooks{Verifications: h} }

func (h *recordHooks) take() []verified {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.calls
	h.calls = nil
	return c
}

// TestHooksVerified reports every verification once, with the issuer the
// token was routed to ("" when none was) and the error Verify returned.
func TestHooksVerified(t *testing.T) {
	iss := newIssuer(t, "RS256")
	h := &recordHooks{}
	v := newVerifier(t, provider.VerifierConfig{Providers: []provider.Provider{oidcFor(t, iss)}, Metrics: h.Hooks()})
	tests := []struct {
		name   string
		token  string
		issuer string
		reason error // nil: success
	}{
		{"valid", iss.Token("alice", testAudience, nil), iss.Issuer(), nil},
		{"expired", iss.Sign("", claims(iss, jwt.MapClaims{"exp": time.Now().Add(-time.Hour).Unix()})), iss.Issuer(), provider.ErrExpired},
		{"wrong audience", iss.Token("alice", "https://other.example", nil), iss.Issuer(), reasons.Audience},
		{"unknown issuer", iss.Sign("", claims(iss, jwt.MapClaims{"iss": "https://evil.example"})), "", reasons.UnknownIssuer},
		{"malformed", "a.b", "", reasons.Malformed},
		{"no token", "", "", provider.ErrNoToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), tt.token)
			calls := h.take()
			if len(calls) != 1 {
				t.Fatalf("Verified called %d times, want 1", len(calls))
			}
			got := calls[0]
			if got.issuer != tt.issuer {
				t.Errorf("issuer %q, want %q", got.issuer, tt.issuer)
			}
			if got.err != err {
				t.Errorf("hook error %v, Verify returned %v", got.err, err)
			}
			if tt.reason == nil && err != nil || tt.reason != nil && !errors.Is(err, tt.reason) {
				t.Errorf("error %v, want %v", err, tt.reason)
			}
			if got.d < 0 {
				t.Errorf("duration %v < 0", got.d)
			}
		})
	}
}

// allHooks receives verifications and key refreshes at once, like a
// metrics Collector.
type allHooks struct {
	recordHooks
	refreshed []observe.Refresh
}

func (h *allHooks) Hooks() *observe.Hooks { return &observe.Hooks{Verifications: h, Keys: h} }

func (h *allHooks) Refreshed(ev observe.Refresh) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.refreshed = append(h.refreshed, ev)
}
func (*allHooks) StaleServed(string)                   {}
func (*allHooks) UnknownKID(string, observe.KIDAction) {}
func (*allHooks) StoreFailed(string, error)            {}

// Metrics given once reach the key caches; Cache.Metrics, if set, wins.
func TestHooksReachCaches(t *testing.T) {
	iss := newIssuer(t, "RS256")
	h := &allHooks{}
	v := newVerifier(t, provider.VerifierConfig{Providers: []provider.Provider{oidcFor(t, iss)}, Metrics: h.Hooks()})
	verifyOK(t, v, iss.Sign("", claims(iss, nil)))
	if len(h.refreshed) != 1 || h.refreshed[0].Issuer != iss.Issuer() || len(h.take()) != 1 {
		t.Fatalf("refreshes %+v; want the initial fetch, reported once", h.refreshed)
	}

	own := &allHooks{}
	h = &allHooks{}
	v = newVerifier(t, provider.VerifierConfig{Providers: []provider.Provider{oidcFor(t, iss)}, Metrics: h.Hooks(), Cache: cache.Config{Metrics: own.Hooks()}})
	verifyOK(t, v, iss.Sign("", claims(iss, nil)))
	if len(h.refreshed) != 0 || len(own.refreshed) != 1 {
		t.Fatalf("with Cache.Metrics set: %d refreshes to Metrics, %d to Cache.Metrics; want 0, 1", len(h.refreshed), len(own.refreshed))
	}
}
