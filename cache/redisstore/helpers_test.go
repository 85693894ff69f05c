package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/cache/redisstore"
	"github.com/jwtguard/jwtguard/internal/share"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// backend is a Redis the suite runs against: miniredis, the real Redis
// at REDIS_ADDR, or the Redis Cluster at REDIS_CLUSTER_ADDRS. Each test
// gets its own key prefix.
type backend struct {
	addr    string
	cluster []string             // the cluster's nodes; nil for a single Redis
	mr      *miniredis.Miniredis // nil for real Redis
	prefix  string
}

// forEachBackend runs f against miniredis and, when REDIS_ADDR and
// REDIS_CLUSTER_ADDRS are set, against real Redis and a Redis Cluster.
func forEachBackend(t *testing.T, f func(t *testing.T, b *backend)) {
	t.Helper()
	t.Run("miniredis", func(t *testing.T) {
		mr := miniredis.RunT(t)
		f(t, &backend{addr: mr.Addr(), mr: mr, prefix: testPrefix()})
	})
	t.Run("redis", func(t *testing.T) {
		addr := os.Getenv("REDIS_ADDR")
		if addr == "" {
			t.Skip("REDIS_ADDR is not set: skipping the run against real Redis (CI sets it)")
		}
		b := &backend{addr: addr, prefix: testPrefix()}
		t.Cleanup(func() { b.deleteKeys(t) })
		f(t, b)
	})
	t.Run("cluster", func(t *testing.T) {
		nodes := clusterNodes()
		if nodes == nil {
			t.Skip("REDIS_CLUSTER_ADDRS is not set: skipping the run against a Redis Cluster (CI sets it)")
		}
		b := &backend{cluster: nodes, prefix: testPrefix()}
		t.Cleanup(func() { b.deleteKeys(t) })
		f(t, b)
	})
}

// clusterNodes returns the nodes of REDIS_CLUSTER_ADDRS (comma-separated),
// or nil.
func clusterNodes() []string {
	if v := os.Getenv("REDIS_CLUSTER_ADDRS"); v != "" {
		return strings.Split(v, ",")
	}
	return nil
}

func testPrefix() string {
	var r [6]byte
	_, _ = rand.Read(r[:])
	return "jwtguard-test:" + hex.EncodeToString(r[:]) + ":"
}

// fresh returns b with a key prefix of its own, for a subtest.
func (b *backend) fresh(t *testing.T) *backend {
	nb := *b
	nb.prefix = testPrefix()
	if nb.mr == nil {
		t.Cleanup(func() { nb.deleteKeys(t) })
	}
	return &nb
}

// client returns a new client of b, closed when the test ends.
func (b *backend) client(t *testing.T) redis.UniversalClient {
	t.Helper()
	if b.cluster != nil {
		return newClusterClient(t, b.cluster)
	}
	return newClient(t, b.addr)
}

func newClusterClient(t *testing.T, nodes []string) *redis.ClusterClient {
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: nodes, ContextTimeoutEnabled: true, PoolSize: 4})
	t.Cleanup(func() { c.Close() })
	return c
}

func newClient(t *testing.T, addr string) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true, PoolSize: 4})
	t.Cleanup(func() { c.Close() })
	return c
}

// testSecret is the fleet secret of the tests' stores.
// errLockTimeout is what the share protocol reports when the lock holder
// shared nothing in time (the cache's own is unexported).
var errLockTimeout = errors.New("cache: no document from the lock holder")

var testSecret = []byte("the tests' fleet secret, 32 bytes+")

// testTimeout bounds the tests' Redis calls: the default, 500 ms, is
// short for a CI machine busy compiling with the race detector, where a
// call that times out makes a replica fetch for itself and a count of
// fetches come out one higher. Tests of timeouts set their own.
const testTimeout = 2 * time.Second

// store returns a Store over its own client, closed when the test ends.
func (b *backend) store(t *testing.T, edit func(*redisstore.Config)) *redisstore.Store {
	t.Helper()
	cfg := redisstore.Config{Client: b.client(t), Secret: testSecret, Prefix: b.prefix, Timeout: testTimeout}
	if edit != nil {
		edit(&cfg)
	}
	s, err := redisstore.New(cfg)
	if err != nil {
		t.Fatalf("redisstore.New: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// elapse lets d pass for key expiry: miniredis only expires keys when told.
func (b *backend) elapse(d time.Duration) {
	if b.mr != nil {
		b.mr.FastForward(d)
	}
}

// deleteKeys removes the test's keys from a real Redis (every master of
// a cluster).
func (b *backend) deleteKeys(t *testing.T) {
	ctx := context.Background()
	clean := func(ctx context.Context, c *redis.Client) error {
		iter := c.Scan(ctx, 0, b.prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
		return iter.Err()
	}
	var err error
	if b.cluster != nil {
		c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: b.cluster})
		defer c.Close()
		err = c.ForEachMaster(ctx, clean)
	} else {
		c := redis.NewClient(&redis.Options{Addr: b.addr})
		defer c.Close()
		err = clean(ctx, c)
	}
	if err != nil {
		t.Logf("cleaning up %s*: %v", b.prefix, err)
	}
}

// jwks is a small valid JWKS body.
const jwks = `{"keys":[{"kty":"EC","crv":"P-256","kid":"k1","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`

const testURL = "https://idp.example/.well-known/jwks.json"

func newDoc(fetchedAt time.Time) *cache.Document {
	return &cache.Document{
		URL:          testURL,
		Issuer:       "https://idp.example/",
		Body:         []byte(jwks),
		FetchedAt:    fetchedAt,
		ETag:         `"v1"`,
		LastModified: "Mon, 02 Jan 2006 15:04:05 GMT",
		MaxAge:       5 * time.Minute,
	}
}

// fetcher is a cache.FetchFunc that counts its calls and returns a new
// document each time, optionally after gate is closed.
type fetcher struct {
	calls atomic.Int64
	gate  chan struct{} // nil: answer at once
	err   error
	// during, if set, runs inside each call (before the gate).
	during func()
}

func (f *fetcher) fetch(ctx context.Context) (*cache.Document, error) {
	f.calls.Add(1)
	if f.during != nil {
		f.during()
	}
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if f.err != nil {
		return nil, f.err
	}
	return newDoc(time.Now()), nil
}

// reports collects what a Fetch reports.
type reports struct {
	mu   sync.Mutex
	errs []error
}

func (r *reports) report(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err)
}

func (r *reports) all() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.errs...)
}

func noReport(t *testing.T) func(error) {
	return func(err error) { t.Errorf("unexpected report: %v", err) }
}

// sameDoc reports whether two documents are equal, times compared as
// instants.
func sameDoc(a, b *cache.Document) bool {
	return a.URL == b.URL && a.Issuer == b.Issuer && string(a.Body) == string(b.Body) &&
		a.FetchedAt.Equal(b.FetchedAt) && a.ETag == b.ETag && a.LastModified == b.LastModified &&
		a.MaxAge == b.MaxAge
}

// within fails the test unless ch yields within d.
func within[T any](t *testing.T, ch <-chan T, d time.Duration, what string) T {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		t.Fatalf("%s: nothing after %v", what, d)
		panic("unreachable")
	}
}

func hasPrefix(err error) bool {
	return strings.HasPrefix(err.Error(), "redisstore: ") || strings.HasPrefix(err.Error(), "cache: ")
}

// invalidDocument reports whether err is the Store's refusal of a shared
// document: a bad record for the cache (cache.ErrBadRecord), which says
// what it is.
func invalidDocument(err error) bool {
	return errors.Is(err, cache.ErrBadRecord) && strings.Contains(err.Error(), "redisstore: invalid shared document")
}

// signal sends on ch (buffered) unless a signal is already waiting there:
// a hook that may run many times and must never block.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fetchVia runs over s what a cache runs on a refresh (package share's
// protocol, WaitFor 5 s as for a 10 s FetchTimeout): the document shared
// for testURL if it was fetched after the given time, else one fetched
// under the lock, or — Redis failing — without it.
func fetchVia(ctx context.Context, s *redisstore.Store, after time.Time, fetch func(context.Context) (*cache.Document, error), report func(error)) (*cache.Document, error) {
	return fetchWaiting(ctx, s, after, 5*time.Second, fetch, report)
}

// fetchWaiting is fetchVia waiting at most wait for another holder.
func fetchWaiting(ctx context.Context, s *redisstore.Store, after time.Time, wait time.Duration, fetch func(context.Context) (*cache.Document, error), report func(error)) (*cache.Document, error) {
	doc, _, err := share.Do(ctx, share.Store[cache.Document](s), testURL, share.Options[cache.Document]{
		Fresh:       func(d *cache.Document) bool { return d.FetchedAt.After(after) },
		Produce:     fetch,
		Report:      report,
		WaitFor:     wait,
		LockTimeout: errLockTimeout,
	})
	return doc, err
}
