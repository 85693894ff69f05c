package m2m_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jwtguard/jwtguard/internal/m2mtest"
	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/m2m"
)

// bodyOnlyUpstream is a token endpoint that takes client credentials in
// the body only: HTTP Basic gets 401 invalid_client.
func bodyOnlyUpstream(t *testing.T) *httptest.Server {
	t.Helper()
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if _, _, basic := r.BasicAuth(); basic {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":"invalid_client"}`)
			return
		}
		n++ // handlers run one at a time in these tests
		fmt.Fprintf(w, `{"access_token":"token-%d","token_type":"Bearer","expires_in":3600}`, n)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// gate is a RoundTripper that holds requests carrying HTTP Basic
// credentials until open is closed, and sends the others at once.
type gate struct {
	base http.RoundTripper
	open chan struct{}
}

func (g gate) RoundTrip(r *http.Request) (*http.Response, error) {
	if _, _, basic := r.BasicAuth(); basic {
		<-g.open
	}
	return g.base.RoundTrip(r)
}

// Credentials go upstream the way the caller sent them, so callers who
// send the same credentials differently (HTTP Basic, body) are separate
// entries: one's way, refused upstream, does not fail the other waiting
// for the same token.
func TestProxyAuthStylesApart(t *testing.T) {
	up := bodyOnlyUpstream(t)
	synctest.Test(t, func(t *testing.T) {
		g := gate{base: m2mtest.NoKeepAlive().Transport, open: make(chan struct{})}
		p, err := m2m.NewProxy(m2m.ProxyConfig{TokenURL: up.URL, Secret: proxySecret, HTTPClient: &http.Client{Transport: g}})
		if err != nil {
			t.Fatal(err)
		}
		basic := make(chan *httptest.ResponseRecorder, 1)
		go func() {
			sameParams := url.Values{"grant_type": {"client_credentials"}, "audience": {testAudience}}.Encode()
			basic <- post(p, formType, sameParams, func(r *http.Request) { r.SetBasicAuth("a", "s") })
		}()
		synctest.Wait() // its upstream request is held
		body := make(chan *httptest.ResponseRecorder, 1)
		go func() { body <- post(p, formType, form("a", "s")) }()
		synctest.Wait()
		select {
		case w := <-body:
			if w.Code != http.StatusOK || decode(t, w).AccessToken != "token-1" {
				t.Errorf("body credentials: %d %s, want upstream's token", w.Code, w.Body)
			}
		default:
			t.Error("the body caller waits for the Basic caller's upstream request")
		}
		close(g.open)
		if w := <-basic; w.Code != http.StatusUnauthorized {
			t.Errorf("Basic credentials: %d %s, want upstream's 401", w.Code, w.Body)
		}
		select {
		case w := <-body: // only if it waited: it got the Basic caller's answer
			t.Errorf("body credentials, after the Basic answer: %d %s", w.Code, w.Body)
		default:
		}
	})
}

// Proxies sharing a store and a secret in front of different upstreams do
// not answer with each other's tokens.
func TestProxiesOfOtherUpstreams(t *testing.T) {
	store := m2m.NewMemoryStore(10)
	var tokens []string
	for i := range 2 {
		iss, _ := newVendorIssuer(t, 1)
		p := newProxy(t, iss, func(c *m2m.ProxyConfig) { c.Store = store })
		w := post(p, formType, form(vendor(0)))
		if w.Code != http.StatusOK || iss.Mints() != 1 {
			t.Fatalf("proxy %d: %d %s with %d mints upstream; want a token of its upstream", i, w.Code, w.Body, iss.Mints())
		}
		tokens = append(tokens, decode(t, w).AccessToken)
	}
	if tokens[0] == tokens[1] || m2m.StoreLen(store) != 2 {
		t.Fatalf("same token from both upstreams: %v; %d entries, want 2", tokens[0] == tokens[1], m2m.StoreLen(store))
	}
}

// With MaxAge the cache stops answering with a token that old, before
// Threshold of its lifetime.
func TestProxyMaxAge(t *testing.T) {
	iss, _ := newVendorIssuer(t, 1) // its server runs outside the bubble
	synctest.Test(t, func(t *testing.T) {
		h := newHooks()
		p := newProxy(t, iss, func(c *m2m.ProxyConfig) {
			c.HTTPClient, c.Metrics, c.MaxAge = m2mtest.NoKeepAlive(), h, 5*time.Minute
		})
		id, secret := vendor(0)
		steps := []struct {
			advance   time.Duration
			expiresIn int64
			result    observe.ProxyResult
		}{
			{0, 3600, observe.ProxyMiss},
			{5*time.Minute - time.Second, 3301, observe.ProxyHit},
			{time.Second, 3600, observe.ProxyMiss}, // 5 minutes old: minted again
			{time.Minute, 3540, observe.ProxyHit},
		}
		for i, s := range steps {
			time.Sleep(s.advance)
			before := h.ProxyResults()[s.result]
			w := post(p, formType, form(id, secret))
			if got := decode(t, w).ExpiresIn; got != s.expiresIn || h.ProxyResults()[s.result] != before+1 {
				t.Fatalf("step %d: expires_in %d, results %v; want %d, a %s", i, got, h.ProxyResults(), s.expiresIn, s.result)
			}
		}
		if iss.Mints() != 2 {
			t.Fatalf("%d mints, want 2", iss.Mints())
		}
	})
	if _, err := m2m.NewProxy(m2m.ProxyConfig{TokenURL: "https://example.com/token", Secret: proxySecret, MaxAge: -time.Second}); err == nil {
		t.Fatal("NewProxy accepted a negative MaxAge")
	}
}

// Error answers passed on are never stored by a cache between the proxy
// and its caller, whatever upstream said, nor sniffed as another type.
func TestProxyErrorHeaders(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=600")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"error":"too_many_requests"}`)
	}))
	defer up.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	for name, tokenURL := range map[string]string{"upstream error": up.URL, "upstream down": down.URL} {
		t.Run(name, func(t *testing.T) {
			p, err := m2m.NewProxy(m2m.ProxyConfig{TokenURL: tokenURL, Secret: proxySecret})
			if err != nil {
				t.Fatal(err)
			}
			w := post(p, formType, form(vendor(0)))
			if w.Code != http.StatusTooManyRequests && w.Code != http.StatusBadGateway {
				t.Fatalf("got %d %s, want upstream's 429 or 502", w.Code, w.Body)
			}
			if cc := w.Header().Values("Cache-Control"); len(cc) != 1 || cc[0] != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", cc)
			}
			if got := w.Header().Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q, want nosniff", got)
			}
		})
	}
}
