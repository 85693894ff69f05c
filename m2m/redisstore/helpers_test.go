package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"
	"golang.org/x/oauth2"

	"github.com/jwtguard/jwtguard/issuertest"
	"github.com/jwtguard/jwtguard/m2m"
	"github.com/jwtguard/jwtguard/m2m/redisstore"
)

// TestMain fails the package if a test leaves a goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	testClient   = "svc-client"
	testSecret   = "svc-secret-value"
	testAudience = "https://api.example.test"
)

var sealKey = []byte("0123456789abcdef0123456789abcdef")

// backend is a Redis the tests run against: miniredis always, the real
// Redis at REDIS_ADDR when it is set.
type backend struct {
	name   string
	addr   string
	prefix string
	mr     *miniredis.Miniredis // nil for a real Redis
}

func backends(t *testing.T) []backend {
	t.Helper()
	mr := miniredis.RunT(t)
	out := []backend{{name: "miniredis", addr: mr.Addr(), prefix: redisstore.DefaultPrefix, mr: mr}}
	if addr := os.Getenv("REDIS_ADDR"); addr != "" {
		var b [6]byte
		_, _ = rand.Read(b[:])
		prefix := "jwtguard-test:" + hex.EncodeToString(b[:]) + ":"
		out = append(out, backend{name: "redis", addr: addr, prefix: prefix})
		t.Cleanup(func() {
			c := redis.NewClient(&redis.Options{Addr: addr})
			defer c.Close()
			ctx := context.Background()
			keys, _ := c.Keys(ctx, prefix+"*").Result()
			if len(keys) > 0 {
				c.Del(ctx, keys...)
			}
		})
	} else {
		t.Log("REDIS_ADDR not set: testing against miniredis only")
	}
	return out
}

// client is a new connection to b, as another process would have.
func (b backend) client(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: b.addr, ContextTimeoutEnabled: true})
	t.Cleanup(func() { c.Close() })
	return c
}

func (b backend) store(t testing.TB, c redis.UniversalClient, key []byte) *redisstore.Store {
	t.Helper()
	s, err := redisstore.New(redisstore.Config{Client: c, Key: key, Prefix: b.prefix, PollInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// keys returns the Redis keys the tests made.
func (b backend) keys(t testing.TB) []string {
	t.Helper()
	c := b.client(t)
	keys, err := c.Keys(context.Background(), b.prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func newIssuer(t testing.TB) *issuertest.Issuer {
	t.Helper()
	iss := issuertest.New()
	t.Cleanup(iss.Close)
	iss.SetClient(testClient, testSecret)
	return iss
}

func sourceConfig(iss *issuertest.Issuer, store m2m.Store, h m2m.Hooks, now func() time.Time) m2m.Config {
	return m2m.Config{
		TokenURL:     iss.URL + issuertest.TokenPath,
		ClientID:     testClient,
		ClientSecret: testSecret,
		Audience:     testAudience,
		Scopes:       []string{"read:things"},
		AuthStyle:    oauth2.AuthStyleInParams,
		Store:        store,
		Hooks:        h,
		Now:          now,
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

// hooks records refreshes and store failures.
type hooks struct {
	events chan m2m.RefreshEvent
	mu     sync.Mutex
	failed []error
	served atomic.Int64
}

func newHooks() *hooks { return &hooks{events: make(chan m2m.RefreshEvent, 1024)} }

func (h *hooks) TokenRefreshed(ev m2m.RefreshEvent)   { h.events <- ev }
func (h *hooks) TokenServed(string)                   { h.served.Add(1) }
func (h *hooks) QuotaReported(string, []m2m.Quota)    {}
func (h *hooks) ProxyRequest(string, m2m.ProxyResult) {}
func (h *hooks) TokenStoreFailed(_ string, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.failed = append(h.failed, err)
}

func (h *hooks) storeErrors() []error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]error(nil), h.failed...)
}

// next returns the next refresh event, failing after 10 seconds without
// one.
func (h *hooks) next(t testing.TB) m2m.RefreshEvent {
	t.Helper()
	select {
	case ev := <-h.events:
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no refresh event within 10s")
		return m2m.RefreshEvent{}
	}
}

// clock is a settable clock shared by the "processes" of a test.
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
