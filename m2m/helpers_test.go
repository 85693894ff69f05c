package m2m_test

import (
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/oauth2"

	"github.com/jwtguard/jwtguard/issuertest"
	"github.com/jwtguard/jwtguard/m2m"
)

// TestMain fails the package if a test leaves a goroutine behind: every
// TokenSource must stop on Close.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	testClient   = "svc"
	testSecret   = "svc-secret"
	testAudience = "https://api.example.test"
)

// newIssuer starts an issuer that knows testClient, counts the token
// requests it receives (not only the ones it answers with a token), and
// closes it when the test ends.
func newIssuer(t testing.TB) (*issuertest.Issuer, *atomic.Int64) {
	t.Helper()
	iss := issuertest.New()
	t.Cleanup(iss.Close)
	iss.SetClient(testClient, testSecret)
	var requests atomic.Int64
	iss.OnRequest(func(r *http.Request) {
		if r.URL.Path == issuertest.TokenPath {
			requests.Add(1)
		}
	})
	return iss, &requests
}

// noKeepAlive is the HTTP client for tests inside a synctest bubble: an
// idle keep-alive connection would keep the bubble from ever going idle.
func noKeepAlive() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
}

// sourceConfig is a TokenSource configuration for testClient at iss.
func sourceConfig(iss *issuertest.Issuer, h m2m.Hooks) m2m.Config {
	return m2m.Config{
		TokenURL:     iss.URL + issuertest.TokenPath,
		ClientID:     testClient,
		ClientSecret: testSecret,
		Audience:     testAudience,
		Scopes:       []string{"read:things"},
		AuthStyle:    oauth2.AuthStyleInParams,
		HTTPClient:   noKeepAlive(),
		Hooks:        h,
	}
}

func newSource(t testing.TB, cfg m2m.Config) *m2m.TokenSource {
	t.Helper()
	ts, err := m2m.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ts.Close() })
	return ts
}

// hooks records what it is told.
type hooks struct {
	served atomic.Int64
	events chan m2m.RefreshEvent // every TokenRefreshed, in order

	mu        sync.Mutex
	refreshes []m2m.RefreshEvent
	quotas    [][]m2m.Quota
	proxy     map[m2m.ProxyResult]int
	storeErrs []error
}

func newHooks() *hooks {
	return &hooks{events: make(chan m2m.RefreshEvent, 1<<12), proxy: map[m2m.ProxyResult]int{}}
}

func (h *hooks) TokenRefreshed(ev m2m.RefreshEvent) {
	h.mu.Lock()
	h.refreshes = append(h.refreshes, ev)
	h.mu.Unlock()
	h.events <- ev
}

func (h *hooks) TokenServed(string) { h.served.Add(1) }

func (h *hooks) QuotaReported(_ string, q []m2m.Quota) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.quotas = append(h.quotas, q)
}

func (h *hooks) ProxyRequest(_ string, r m2m.ProxyResult) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.proxy[r]++
}

func (h *hooks) TokenStoreFailed(_ string, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.storeErrs = append(h.storeErrs, err)
}

// results counts the refreshes by result.
func (h *hooks) results() map[m2m.Result]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[m2m.Result]int{}
	for _, ev := range h.refreshes {
		out[ev.Result]++
	}
	return out
}

func (h *hooks) proxyResults() map[m2m.ProxyResult]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[m2m.ProxyResult]int{}
	for k, v := range h.proxy {
		out[k] = v
	}
	return out
}

// next returns the next refresh event, failing the test if none comes
// within a minute (of the bubble's clock inside synctest).
func (h *hooks) next(t testing.TB) m2m.RefreshEvent {
	t.Helper()
	select {
	case ev := <-h.events:
		return ev
	case <-time.After(time.Minute):
		t.Fatal("no refresh event")
		return m2m.RefreshEvent{}
	}
}

// clock is a settable clock for Config.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Now()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
