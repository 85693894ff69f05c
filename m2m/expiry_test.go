package m2m_test

import (
	"errors"
	"net/http"
	"net/url"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jwtguard/jwtguard/internal/m2mtest"
	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/m2m"
)

// expiredTTLs make testissuer answer expires_in 0 and -60: tokens the
// endpoint says have already expired.
var expiredTTLs = []string{"0s", "-1m"}

// A TokenSource never caches nor hands out a token the endpoint says has
// already expired: the caller gets ErrUnavailable, and the source backs
// off as after any failure, so that callers do not mint one per call.
func TestTokenSourceRefusesExpiredToken(t *testing.T) {
	for _, ttl := range expiredTTLs {
		t.Run("ttl "+ttl, func(t *testing.T) {
			iss, requests := newIssuer(t)
			synctest.Test(t, func(t *testing.T) {
				store := m2m.NewMemoryStore(10)
				h := newHooks()
				cfg := sourceConfig(iss, h)
				cfg.EndpointParams, cfg.Store = url.Values{"ttl": {ttl}}, store
				ts := m2mtest.NewSource(t, cfg)
				tok, err := ts.Token()
				var xe *m2m.ExchangeError
				if tok != nil || !errors.Is(err, m2m.ErrUnavailable) || !errors.As(err, &xe) || xe.Status != http.StatusOK {
					t.Fatalf("Token() = %v, %v; want an ErrUnavailable *ExchangeError with status 200", tok, err)
				}
				if m2m.StoreLen(store) != 0 {
					t.Fatalf("the store keeps %d tokens, want none", m2m.StoreLen(store))
				}
				if ev := h.Next(t); ev.Result != observe.TokenFailed || ev.Status != http.StatusOK {
					t.Errorf("refresh event %+v, want an error with status 200", ev)
				}
				if _, err := ts.Token(); !backingOff(err) || !errors.Is(err, m2m.ErrUnavailable) || requests.Load() != 1 {
					t.Fatalf("second call: %v after %d requests; want an ErrUnavailable backoff error and 1 request", err, requests.Load())
				}
				time.Sleep(2 * time.Second) // past the first backoff
				if _, err := ts.Token(); !errors.Is(err, m2m.ErrUnavailable) || backingOff(err) || requests.Load() != 2 {
					t.Fatalf("after the backoff: %v after %d requests; want a new request failing the same way", err, requests.Load())
				}
			})
		})
	}
}

// The proxy passes a token the upstream says has already expired on to
// its caller, with expires_in 0, and does not cache it.
func TestProxyPassesExpiredToken(t *testing.T) {
	for _, ttl := range expiredTTLs {
		t.Run("ttl "+ttl, func(t *testing.T) {
			iss, requests := newVendorIssuer(t, 1)
			store := m2m.NewMemoryStore(10)
			h := newHooks()
			p := newProxy(t, iss, func(c *m2m.ProxyConfig) { c.Store, c.Metrics = store, h })
			id, secret := vendor(0)
			seen := map[string]bool{}
			for i := range 2 {
				w := post(p, formType, form(id, secret, "ttl", ttl))
				a := decode(t, w)
				if w.Code != http.StatusOK || a.AccessToken == "" || a.ExpiresIn != 0 {
					t.Fatalf("request %d: %d %s; want 200 with the token and expires_in 0", i, w.Code, w.Body)
				}
				seen[a.AccessToken] = true
			}
			if requests.Load() != 2 || len(seen) != 2 || m2m.StoreLen(store) != 0 {
				t.Fatalf("%d upstream requests, %d distinct tokens, %d cached; want 2, 2, 0", requests.Load(), len(seen), m2m.StoreLen(store))
			}
			if got := h.ProxyResults(); got[observe.ProxyMiss] != 2 {
				t.Errorf("results %v, want 2 misses", got)
			}
		})
	}
}
