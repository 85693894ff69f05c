package m2m_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jwtguard/jwtguard/internal/hangtest"
	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/m2m"
)

var proxySecret = []byte("0123456789abcdef0123456789abcdef")

func vendor(n int) (id, secret string) {
	return fmt.Sprintf("vendor-%02d", n), fmt.Sprintf("secret-%02d", n)
}

// newVendorIssuer starts an issuer that knows n vendors.
func newVendorIssuer(t testing.TB, n int) (*testissuer.Issuer, *atomic.Int64) {
	t.Helper()
	iss, requests := newIssuer(t)
	for i := range n {
		iss.SetClient(vendor(i))
	}
	return iss, requests
}

func newProxy(t testing.TB, iss *testissuer.Issuer, mod func(*m2m.ProxyConfig)) http.Handler {
	t.Helper()
	cfg := m2m.ProxyConfig{TokenURL: iss.URL + testissuer.TokenPath, Secret: proxySecret}
	if mod != nil {
		mod(&cfg)
	}
	p, err := m2m.NewProxy(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// form is a client-credentials request body with credentials in it.
func form(id, secret string, extra ...string) string {
	v := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}, "audience": {testAudience}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return v.Encode()
}

// post sends a request to the proxy's handler directly.
func post(h http.Handler, contentType, body string, mod ...func(*http.Request)) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	for _, m := range mod {
		m(r)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

const formType = "application/x-www-form-urlencoded"

type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope"`
	Error       string `json:"error"`
}

func decode(t testing.TB, w *httptest.ResponseRecorder) tokenAnswer {
	t.Helper()
	var a tokenAnswer
	if err := json.Unmarshal(w.Body.Bytes(), &a); err != nil {
		t.Fatalf("answer %d %q is not JSON: %v", w.Code, w.Body, err)
	}
	return a
}

// 20 vendors × 500 requests (5 goroutines each) spend 20 tokens, one per
// vendor, each vendor always getting its own.
func TestProxyManyVendors(t *testing.T) {
	const vendors, perVendor, goroutines = 20, 500, 5
	iss, _ := newVendorIssuer(t, vendors)
	h := newHooks()
	p := newProxy(t, iss, func(c *m2m.ProxyConfig) { c.Metrics = h })

	var (
		mu     sync.Mutex
		tokens = map[string]map[string]bool{} // vendor → tokens it got
		failed []string
		wg     sync.WaitGroup
	)
	for v := range vendors {
		id, _ := vendor(v)
		tokens[id] = map[string]bool{}
	}
	for v := range vendors {
		id, secret := vendor(v)
		for range goroutines {
			wg.Go(func() {
				for range perVendor / goroutines {
					w := post(p, formType, form(id, secret))
					mu.Lock()
					if w.Code != http.StatusOK {
						failed = append(failed, fmt.Sprintf("%s: %d %s", id, w.Code, w.Body))
					} else {
						var a tokenAnswer
						_ = json.Unmarshal(w.Body.Bytes(), &a)
						tokens[id][a.AccessToken] = true
					}
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	if len(failed) > 0 {
		t.Fatalf("%d requests failed, first: %s", len(failed), failed[0])
	}
	if got := iss.Mints(); got != vendors {
		t.Fatalf("%d mints upstream, want %d", got, vendors)
	}
	seen := map[string]string{}
	for v := range vendors {
		id, _ := vendor(v)
		if iss.ClientMints(id) != 1 || len(tokens[id]) != 1 {
			t.Fatalf("%s: %d mints, %d distinct tokens; want 1 and 1", id, iss.ClientMints(id), len(tokens[id]))
		}
		for tok := range tokens[id] {
			if other, ok := seen[tok]; ok {
				t.Fatalf("%s got %s's token", id, other)
			}
			seen[tok] = id
		}
	}
	want := map[observe.ProxyResult]int{observe.ProxyMiss: vendors, observe.ProxyHit: vendors*perVendor - vendors}
	if got := h.ProxyResults(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("results %v, want %v", got, want)
	}
	if got := h.ServedCount(); got != vendors*perVendor-vendors {
		t.Errorf("Served %d, want %d", got, vendors*perVendor-vendors)
	}
	if got := h.Results(); got[observe.TokenMinted] != vendors || len(got) != 1 {
		t.Errorf("refresh results %v, want %d minted", got, vendors)
	}
}

// Concurrent identical misses share one upstream call and its outcome,
// token or error: while it is under way, the other callers wait for it
// instead of sending their own (a failing endpoint sees one request, not
// one per caller in turn under the store's lock).
func TestProxyCoalescesMisses(t *testing.T) {
	for _, failing := range []bool{false, true} {
		t.Run(fmt.Sprintf("failing=%v", failing), func(t *testing.T) {
			iss, requests := newVendorIssuer(t, 1) // its server runs outside the bubble
			if failing {
				iss.SetTokenStatus(http.StatusTooManyRequests)
			}
			synctest.Test(t, func(t *testing.T) {
				gate := hangtest.NewGate() // made in the bubble: a request it holds is durably blocked
				gate.Shut()
				p := newProxy(t, iss, func(c *m2m.ProxyConfig) { c.HTTPClient = gate.Client() })
				id, secret := vendor(0)
				const n = 10
				answers := make(chan *httptest.ResponseRecorder, n)
				for range n {
					go func() { answers <- post(p, formType, form(id, secret)) }()
				}
				synctest.Wait() // one request held upstream, every other caller waiting
				if got := gate.Held(); got != 1 {
					t.Errorf("%d upstream requests under way for %d concurrent callers, want 1", got, n)
				}
				gate.Open()
				tokens := map[string]bool{}
				for range n {
					w := <-answers
					switch {
					case failing && w.Code != http.StatusTooManyRequests:
						t.Fatalf("answer %d %s, want the upstream's 429", w.Code, w.Body)
					case !failing && w.Code != http.StatusOK:
						t.Fatalf("answer %d %s", w.Code, w.Body)
					case !failing:
						tokens[decode(t, w).AccessToken] = true
					}
				}
				if requests.Load() != 1 || !failing && (len(tokens) != 1 || iss.Mints() != 1) {
					t.Fatalf("%d tokens, %d mints, %d upstream requests; want 1 upstream request (and 1 token)", len(tokens), iss.Mints(), requests.Load())
				}
			})
		})
	}
}

// A caller with the right client id but a wrong secret never gets the
// cached token: its request goes upstream, which rejects it, and the
// rejection passes through unchanged.
func TestProxyWrongSecret(t *testing.T) {
	iss, requests := newVendorIssuer(t, 1)
	h := newHooks()
	p := newProxy(t, iss, func(c *m2m.ProxyConfig) { c.Metrics = h })
	id, secret := vendor(0)
	good := post(p, formType, form(id, secret))
	if good.Code != http.StatusOK {
		t.Fatalf("right secret: %d %s", good.Code, good.Body)
	}
	cached := decode(t, good).AccessToken

	for _, wrong := range []string{"guess", secret + "x", ""} {
		before := requests.Load()
		w := post(p, formType, form(id, wrong))
		if strings.Contains(w.Body.String(), cached) {
			t.Fatalf("secret %q got the cached token", wrong)
		}
		if wrong == "" {
			if w.Code != http.StatusUnauthorized || decode(t, w).Error != "invalid_client" {
				t.Fatalf("no secret: %d %s, want 401 invalid_client from the proxy", w.Code, w.Body)
			}
			continue
		}
		if requests.Load() != before+1 {
			t.Fatalf("secret %q: %d upstream requests, want 1", wrong, requests.Load()-before)
		}
		if w.Code != http.StatusUnauthorized || decode(t, w).Error != "invalid_client" {
			t.Fatalf("secret %q: %d %s, want upstream's 401 invalid_client", wrong, w.Code, w.Body)
		}
	}
	if iss.Mints() != 1 {
		t.Fatalf("%d mints, want 1", iss.Mints())
	}
	if got := h.ProxyResults(); got[observe.ProxyUpstreamError] != 2 || got[observe.ProxyRejected] != 1 {
		t.Errorf("results %v, want 2 upstream errors and 1 rejected", got)
	}
	if again := post(p, formType, form(id, secret)); decode(t, again).AccessToken != cached {
		t.Errorf("the right secret no longer hits the cache")
	}
}

// Upstream errors pass through unchanged (status, Retry-After, body) and
// are not cached; an upstream that does not answer is a 502.
func TestProxyUpstreamErrors(t *testing.T) {
	t.Run("429 with Retry-After", func(t *testing.T) {
		iss, requests := newVendorIssuer(t, 1)
		iss.SetTokenStatus(http.StatusTooManyRequests)
		iss.SetTokenRetryAfter(7 * time.Second)
		p := newProxy(t, iss, nil)
		id, secret := vendor(0)
		w := post(p, formType, form(id, secret))
		if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "7" {
			t.Fatalf("got %d Retry-After %q, want 429 and 7", w.Code, w.Header().Get("Retry-After"))
		}
		if got, want := strings.TrimSpace(w.Body.String()), `{"error":"temporarily_unavailable"}`; got != want {
			t.Fatalf("body %s, want upstream's %s", got, want)
		}
		iss.SetTokenStatus(0)
		if w := post(p, formType, form(id, secret)); w.Code != http.StatusOK || requests.Load() != 2 {
			t.Fatalf("after the 429: %d with %d upstream requests; want 200 after a new request", w.Code, requests.Load())
		}
	})
	t.Run("upstream down", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		h := newHooks()
		p, err := m2m.NewProxy(m2m.ProxyConfig{TokenURL: srv.URL + "/token", Secret: proxySecret, Metrics: h})
		if err != nil {
			t.Fatal(err)
		}
		w := post(p, formType, form(vendor(0)))
		if w.Code != http.StatusBadGateway || decode(t, w).Error != "temporarily_unavailable" {
			t.Fatalf("got %d %s, want 502 temporarily_unavailable", w.Code, w.Body)
		}
		if got := h.ProxyResults(); got[observe.ProxyUpstreamError] != 1 {
			t.Errorf("results %v, want one upstream error", got)
		}
		if ev := h.Next(t); ev.Result != observe.TokenFailed || ev.Trigger != observe.TokenProxy || ev.Status != 0 {
			t.Errorf("refresh event %+v, want a proxy error without status", ev)
		}
	})
}

// A token minted through the proxy verifies with provider.Verifier
// configured for the issuer, closing the loop with the middleware.
func TestProxyTokenVerifies(t *testing.T) {
	iss, _ := newVendorIssuer(t, 1)
	p := newProxy(t, iss, nil)
	id, secret := vendor(0)
	a := decode(t, post(p, formType, form(id, secret, "scope", "read:things")))

	c := verifyToken(t, iss, a.AccessToken, testAudience)
	gty, _ := c.LookupString("gty")
	if c.Subject() != id+"@clients" || c.ClientID() != id || gty != "client-credentials" || len(c.Scopes()) != 1 || c.Scopes()[0] != "read:things" {
		t.Fatalf("claims %+v, want a client-credentials token of %s with scope read:things", c, id)
	}
}

// BenchmarkProxyHit measures a cache hit: parse, HMAC, look-up, answer.
func BenchmarkProxyHit(b *testing.B) {
	iss, _ := newVendorIssuer(b, 1)
	p := newProxy(b, iss, nil)
	body := form(vendor(0))
	if w := post(p, formType, body); w.Code != http.StatusOK {
		b.Fatalf("%d %s", w.Code, w.Body)
	}
	b.ReportAllocs()
	for b.Loop() {
		if w := post(p, formType, body); w.Code != http.StatusOK {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}
