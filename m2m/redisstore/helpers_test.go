package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/jwtguard/jwtguard/internal/m2mtest"
	"github.com/jwtguard/jwtguard/issuertest"
	"github.com/jwtguard/jwtguard/m2m"
	"github.com/jwtguard/jwtguard/m2m/redisstore"
)

// TestMain fails the package if a test leaves a goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	testClient   = "svc-client"
	testSecret   = "svc-secret-value"
	testAudience = m2mtest.Audience
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

// sourceConfig is a TokenSource configuration for testClient at iss that
// shares store and reads now (nil: time.Now).
func sourceConfig(iss *issuertest.Issuer, store m2m.Store, h m2m.Hooks, now func() time.Time) m2m.Config {
	cfg := m2mtest.SourceConfig(iss, testClient, testSecret, h)
	cfg.Store, cfg.Now = store, now
	return cfg
}

// newHooks returns a recorder whose Next waits 10 seconds: these tests run
// on the real clock.
func newHooks() *m2mtest.Hooks { return m2mtest.NewHooks(10 * time.Second) }
