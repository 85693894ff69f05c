package redistoken_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/jwtguard/jwtguard/internal/m2mtest"
	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/m2m"
	"github.com/jwtguard/jwtguard/m2m/redistoken"
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
	name    string
	addr    string
	cluster []string // the cluster's nodes; nil for a single Redis
	prefix  string
	mr      *miniredis.Miniredis // nil for a real Redis
}

// Defaults of Config, as its fields document them.
const (
	defaultPrefix  = "jwtguard:m2m:"
	defaultLockTTL = 10 * time.Second
)

// backends are miniredis and, when REDIS_ADDR and REDIS_CLUSTER_ADDRS are
// set, a real Redis and a Redis Cluster, each under a key prefix of its
// own.
func backends(t *testing.T) []backend {
	t.Helper()
	mr := miniredis.RunT(t)
	out := []backend{{name: "miniredis", addr: mr.Addr(), prefix: defaultPrefix, mr: mr}}
	if addr := os.Getenv("REDIS_ADDR"); addr != "" {
		out = append(out, backend{name: "redis", addr: addr, prefix: testPrefix()})
	} else {
		t.Log("REDIS_ADDR not set: not testing against a real Redis")
	}
	if v := os.Getenv("REDIS_CLUSTER_ADDRS"); v != "" {
		out = append(out, backend{name: "cluster", cluster: strings.Split(v, ","), prefix: testPrefix()})
	} else {
		t.Log("REDIS_CLUSTER_ADDRS not set: not testing against a Redis Cluster")
	}
	for _, b := range out[1:] {
		t.Cleanup(func() {
			for _, k := range b.keys(t) {
				b.client(t).Del(context.Background(), k)
			}
		})
	}
	return out
}

func testPrefix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "jwtguard-test:" + hex.EncodeToString(b[:]) + ":"
}

// client is a new connection to b, as another process would have.
func (b backend) client(t testing.TB) redis.UniversalClient {
	t.Helper()
	var c redis.UniversalClient
	if b.cluster != nil {
		c = redis.NewClusterClient(&redis.ClusterOptions{Addrs: b.cluster, ContextTimeoutEnabled: true})
	} else {
		c = redis.NewClient(&redis.Options{Addr: b.addr, ContextTimeoutEnabled: true})
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// testTimeout bounds the tests' Redis calls: the default, 500 ms, can
// pass on a loaded CI machine, where a call that times out makes a source
// mint without Redis and a count of mints come out higher. Tests of
// timeouts set their own.
const testTimeout = 5 * time.Second

func (b backend) store(t testing.TB, c redis.UniversalClient, key []byte) m2m.Store {
	t.Helper()
	s, err := redistoken.New(redistoken.Config{Client: c, Key: key, Prefix: b.prefix, Timeout: testTimeout})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// keys returns the Redis keys the tests made (on every master of a
// cluster).
func (b backend) keys(t testing.TB) []string {
	t.Helper()
	ctx := context.Background()
	var (
		mu   sync.Mutex
		keys []string
	)
	scan := func(ctx context.Context, c *redis.Client) error {
		k, err := c.Keys(ctx, b.prefix+"*").Result()
		mu.Lock()
		keys = append(keys, k...)
		mu.Unlock()
		return err
	}
	var err error
	switch c := b.client(t).(type) {
	case *redis.ClusterClient:
		err = c.ForEachMaster(ctx, scan)
	case *redis.Client:
		err = scan(ctx, c)
	}
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func newIssuer(t testing.TB) *testissuer.Issuer {
	t.Helper()
	iss := testissuer.New()
	t.Cleanup(iss.Close)
	iss.SetClient(testClient, testSecret)
	return iss
}

// sourceConfig is a TokenSource configuration for testClient at iss that
// shares store.
func sourceConfig(iss *testissuer.Issuer, store m2m.Store, h observe.Source) m2m.Config {
	cfg := m2mtest.SourceConfig(iss.URL+testissuer.TokenPath, testClient, testSecret, h)
	cfg.Store = store
	return cfg
}

// newHooks returns a recorder whose Next waits 10 seconds (of the bubble's
// clock inside synctest).
func newHooks() *m2mtest.Hooks { return m2mtest.NewHooks(10 * time.Second) }
