package m2m_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jwtguard/jwtguard/internal/m2mtest"
	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/m2m"
)

// Requests the proxy refuses never reach upstream.
func TestProxyRejects(t *testing.T) {
	iss, requests := newVendorIssuer(t, 1)
	h := newHooks()
	p := newProxy(t, iss, func(c *m2m.ProxyConfig) { c.Metrics = h; c.MaxBodyBytes = 1024 })
	id, secret := vendor(0)
	basic := func(r *http.Request) { r.SetBasicAuth(id, secret) }
	tests := []struct {
		name        string
		method      string
		contentType string
		body        string
		mod         func(*http.Request)
		status      int
		code        string
	}{
		{name: "GET", method: http.MethodGet, status: http.StatusMethodNotAllowed, code: "invalid_request"},
		{name: "oversize", contentType: formType, body: form(id, secret, "pad", strings.Repeat("x", 2000)), status: http.StatusRequestEntityTooLarge, code: "invalid_request"},
		{name: "oversize without Content-Length", contentType: formType, body: form(id, secret, "pad", strings.Repeat("x", 2000)), mod: func(r *http.Request) { r.ContentLength = -1 }, status: http.StatusRequestEntityTooLarge, code: "invalid_request"},
		{name: "malformed JSON", contentType: "application/json", body: `{"grant_type":`, status: http.StatusBadRequest, code: "invalid_request"},
		{name: "JSON array", contentType: "application/json", body: `["client_credentials"]`, status: http.StatusBadRequest, code: "invalid_request"},
		{name: "JSON number", contentType: "application/json", body: `{"grant_type":"client_credentials","client_id":"a","client_secret":"b","ttl":5}`, status: http.StatusBadRequest, code: "invalid_request"},
		{name: "JSON trailing data", contentType: "application/json", body: `{"grant_type":"client_credentials"} {}`, status: http.StatusBadRequest, code: "invalid_request"},
		{name: "malformed form", contentType: formType, body: "grant_type=%zz", status: http.StatusBadRequest, code: "invalid_request"},
		{name: "repeated parameter", contentType: formType, body: form(id, secret) + "&audience=other", status: http.StatusBadRequest, code: "invalid_request"},
		{name: "other content type", contentType: "text/plain", body: form(id, secret), status: http.StatusBadRequest, code: "invalid_request"},
		{name: "no content type", body: form(id, secret), status: http.StatusBadRequest, code: "invalid_request"},
		{name: "parameters in the URL", contentType: formType, body: form(id, secret), mod: func(r *http.Request) { r.URL.RawQuery = "client_secret=x" }, status: http.StatusBadRequest, code: "invalid_request"},
		{name: "password grant", contentType: formType, body: "grant_type=password&username=a&password=b", status: http.StatusBadRequest, code: "unsupported_grant_type"},
		{name: "no grant type", contentType: formType, body: "client_id=a&client_secret=b", status: http.StatusBadRequest, code: "invalid_request"},
		{name: "no credentials", contentType: formType, body: "grant_type=client_credentials", status: http.StatusUnauthorized, code: "invalid_client"},
		{name: "Bearer authorization", contentType: formType, body: "grant_type=client_credentials", mod: func(r *http.Request) { r.Header.Set("Authorization", "Bearer x") }, status: http.StatusUnauthorized, code: "invalid_client"},
		{name: "Basic and body secret", contentType: formType, body: form(id, secret), mod: basic, status: http.StatusBadRequest, code: "invalid_request"},
		{name: "Basic and another body client_id", contentType: formType, body: "grant_type=client_credentials&client_id=other", mod: basic, status: http.StatusBadRequest, code: "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodPost
			}
			r := httptest.NewRequest(method, "/oauth/token", strings.NewReader(tt.body))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			if tt.mod != nil {
				tt.mod(r)
			}
			w := httptest.NewRecorder()
			p.ServeHTTP(w, r)
			if w.Code != tt.status || decode(t, w).Error != tt.code {
				t.Fatalf("got %d %s, want %d %s", w.Code, w.Body, tt.status, tt.code)
			}
			if w.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("error answer without Cache-Control: no-store")
			}
		})
	}
	if requests.Load() != 0 {
		t.Fatalf("%d upstream requests, want none", requests.Load())
	}
	if got := h.ProxyResults(); got[observe.ProxyRejected] != len(tests) || len(got) != 1 {
		t.Errorf("results %v, want %d rejected", got, len(tests))
	}
}

// Form and JSON requests for the same client and parameters are one cache
// entry; HTTP Basic ones another, as their credentials go upstream the
// way they came. Basic credentials are form-decoded (RFC 6749 §2.3.1)
// and sent upstream the same way.
func TestProxyRequestFormats(t *testing.T) {
	iss, _ := newVendorIssuer(t, 0)
	const id, secret = "vendor:odd id", "p@ss word+/%"
	iss.SetClient(id, secret)
	srv := httptest.NewServer(newProxy(t, iss, nil))
	defer srv.Close()

	send := func(contentType, body string, basic bool) tokenAnswer {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		if basic {
			req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var a tokenAnswer
		if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %+v %v", contentType, resp.StatusCode, a, err)
		}
		return a
	}
	first := send(formType, form(id, secret, "scope", "read write"), false)
	jsonBody, _ := json.Marshal(map[string]string{
		"grant_type": "client_credentials", "client_id": id, "client_secret": secret,
		"audience": testAudience, "scope": "write read",
	})
	second := send("application/json; charset=utf-8", string(jsonBody), false)
	if first.AccessToken == "" || second.AccessToken != first.AccessToken {
		t.Fatalf("form and JSON got different tokens")
	}
	if iss.Mints() != 1 || first.Scope != "read write" || first.TokenType != "Bearer" {
		t.Fatalf("%d mints, scope %q, type %q; want 1, the scope granted, Bearer", iss.Mints(), first.Scope, first.TokenType)
	}
	basic := func() tokenAnswer {
		return send(formType, "grant_type=client_credentials&scope=read+write&audience="+url.QueryEscape(testAudience), true)
	}
	third, fourth := basic(), basic()
	if third.AccessToken == "" || third.AccessToken == first.AccessToken || fourth.AccessToken != third.AccessToken || iss.Mints() != 2 {
		t.Fatalf("Basic: %d mints, same token as the body's: %v, cached: %v; want a token of its own, cached",
			iss.Mints(), third.AccessToken == first.AccessToken, fourth.AccessToken == third.AccessToken)
	}
}

// A hit answers with expires_in reduced to what remains; at Threshold of
// the lifetime the entry is no longer served and a new token is minted.
func TestProxyExpiresIn(t *testing.T) {
	iss, _ := newVendorIssuer(t, 1) // its server runs outside the bubble
	synctest.Test(t, func(t *testing.T) {
		h := newHooks()
		p := newProxy(t, iss, func(c *m2m.ProxyConfig) { c.HTTPClient, c.Metrics = m2mtest.NoKeepAlive(), h })
		id, secret := vendor(0)
		steps := []struct {
			advance time.Duration
			want    int64
			result  observe.ProxyResult
		}{
			{0, 3600, observe.ProxyMiss},
			{10 * time.Minute, 3000, observe.ProxyHit},
			{37*time.Minute + 59*time.Second, 721, observe.ProxyHit},
			{time.Second, 3600, observe.ProxyMiss}, // 48 minutes: due
			{time.Minute, 3540, observe.ProxyHit},
		}
		for i, s := range steps {
			time.Sleep(s.advance)
			before := h.ProxyResults()[s.result]
			w := post(p, formType, form(id, secret))
			if got := decode(t, w).ExpiresIn; got != s.want {
				t.Fatalf("step %d: expires_in %d, want %d", i, got, s.want)
			}
			if got := h.ProxyResults()[s.result]; got != before+1 {
				t.Fatalf("step %d: not a %s", i, s.result)
			}
		}
		if iss.Mints() != 2 {
			t.Fatalf("%d mints, want 2", iss.Mints())
		}
	})
}

// The memory cache holds at most its capacity, dropping the least
// recently used.
func TestProxyLRU(t *testing.T) {
	iss, _ := newVendorIssuer(t, 5)
	store := m2m.NewMemoryStore(3)
	p := newProxy(t, iss, func(c *m2m.ProxyConfig) { c.Store = store })
	for v := range 5 {
		if w := post(p, formType, form(vendor(v))); w.Code != http.StatusOK {
			t.Fatalf("vendor %d: %d %s", v, w.Code, w.Body)
		}
	}
	if m2m.StoreLen(store) != 3 {
		t.Fatalf("%d entries, want 3", m2m.StoreLen(store))
	}
	post(p, formType, form(vendor(4))) // held: a hit
	post(p, formType, form(vendor(0))) // dropped: minted again
	if iss.Mints() != 6 {
		t.Fatalf("%d mints, want 6 (5 vendors, then vendor 0 again)", iss.Mints())
	}
	if m2m.StoreLen(store) != 3 {
		t.Fatalf("%d entries, want 3", m2m.StoreLen(store))
	}
}

func TestNewProxyValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  m2m.ProxyConfig
		want string
	}{
		{"no URL", m2m.ProxyConfig{Secret: proxySecret}, "TokenURL is required"},
		{"plain http", m2m.ProxyConfig{TokenURL: "http://example.com/token", Secret: proxySecret}, "plain http"},
		{"short secret", m2m.ProxyConfig{TokenURL: "https://example.com/token", Secret: []byte("short")}, "at least 32 bytes"},
		{"threshold", m2m.ProxyConfig{TokenURL: "https://example.com/token", Secret: proxySecret, Threshold: 2}, "Threshold"},
		{"body limit", m2m.ProxyConfig{TokenURL: "https://example.com/token", Secret: proxySecret, MaxBodyBytes: -1}, "MaxBodyBytes"},
		{"negative timeout", m2m.ProxyConfig{TokenURL: "https://example.com/token", Secret: proxySecret, Timeout: -1}, "ProxyConfig.AssumedLifetime and ProxyConfig.Timeout must not be negative"},
		{"negative lifetime", m2m.ProxyConfig{TokenURL: "https://example.com/token", Secret: proxySecret, AssumedLifetime: -1}, "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := m2m.NewProxy(tt.cfg)
			if err == nil || !strings.HasPrefix(err.Error(), "m2m: ") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want an m2m error containing %q", err, tt.want)
			}
		})
	}
	if _, err := m2m.NewProxy(m2m.ProxyConfig{TokenURL: "https://example.com/token", Secret: bytes.Repeat([]byte{1}, 32)}); err != nil {
		t.Fatalf("valid config: %v", err)
	}
}
