package redisstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/cache/redisstore"
	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/provider"
)

// recorder receives a replica's cache events (observe.Keys) and keeps
// them; it is its own cache.Config.Metrics.
type recorder struct {
	mu        sync.Mutex
	refreshes []observe.Refresh
	storeErrs []error
	unknown   []observe.KIDAction
	stale     int
	installed chan observe.Refresh // documents installed from a notice
	failed    chan error           // store failures, as they are reported
}

func (r *recorder) Hooks() *observe.Hooks { return &observe.Hooks{Keys: r} }

func newRecorder() *recorder {
	return &recorder{installed: make(chan observe.Refresh, 1000), failed: make(chan error, 1000)}
}

func (r *recorder) Refreshed(ev observe.Refresh) {
	r.mu.Lock()
	r.refreshes = append(r.refreshes, ev)
	r.mu.Unlock()
	if ev.Trigger == observe.TriggerShared && r.installed != nil {
		select {
		case r.installed <- ev:
		default:
		}
	}
}

func (r *recorder) StaleServed(string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stale++
}

func (r *recorder) UnknownKID(_ string, a observe.KIDAction) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.unknown = append(r.unknown, a)
}

func (r *recorder) StoreFailed(_ string, err error) {
	r.mu.Lock()
	r.storeErrs = append(r.storeErrs, err)
	r.mu.Unlock()
	select {
	case r.failed <- err:
	default:
	}
}

// waitInvalidDocument waits (10 s at most: a hang detector, not a speed
// limit) for a store failure refusing an invalid shared document.
func (r *recorder) waitInvalidDocument(t *testing.T) {
	t.Helper()
	for {
		if err := within(t, r.failed, 10*time.Second, "an invalid shared document reported"); invalidDocument(err) {
			return
		}
	}
}

func (r *recorder) storeErrors() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.storeErrs...)
}

func (r *recorder) unknownKIDs() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.unknown)
}

// last returns the latest refresh event.
func (r *recorder) last() observe.Refresh {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.refreshes[len(r.refreshes)-1]
}

// counts returns the refreshes that fetched from the provider and those
// that took a document another replica fetched.
func (r *recorder) counts() (own, shared int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ev := range r.refreshes {
		switch {
		case ev.Err != nil:
		case ev.Shared:
			shared++
		default:
			own++
		}
	}
	return own, shared
}

// waitInstalled waits until a notice installed the document fetched at
// fetchedAt.
func (r *recorder) waitInstalled(t *testing.T, fetchedAt time.Time) {
	t.Helper()
	for {
		ev := within(t, r.installed, 10*time.Second, "document installed from a notice")
		if ev.FetchedAt.Equal(fetchedAt) {
			return
		}
	}
}

// replica is one process of a service: its own Redis client, Store,
// Verifier (with its cache) and hooks.
type replica struct {
	client redis.UniversalClient
	store  *redisstore.Store
	v      *provider.Verifier
	rec    *recorder
}

// newReplicas starts n replicas verifying iss's tokens (audience "api"),
// sharing through b under b.prefix.
func newReplicas(t *testing.T, n int, b *backend, iss *testissuer.Issuer, cc cache.Config,
	edit func(*redisstore.Config)) []*replica {
	t.Helper()
	p, err := provider.NewOIDC(context.Background(), provider.OIDCConfig{
		Issuer: iss.URL, JWKSURL: iss.JWKSURL(), Audiences: []string{"api"},
	})
	if err != nil {
		t.Fatal(err)
	}
	rs := make([]*replica, n)
	for i := range rs {
		r := &replica{client: b.replicaClient(t), rec: newRecorder()}
		cfg := redisstore.Config{Client: r.client, Secret: testSecret, Prefix: b.prefix, Timeout: testTimeout}
		if edit != nil {
			edit(&cfg)
		}
		if r.store, err = redisstore.New(cfg); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.store.Close() })
		c := cc
		c.Store, c.Metrics, c.HTTPClient = r.store, r.rec.Hooks(), iss.Server.Client()
		if r.v, err = provider.NewVerifier(provider.VerifierConfig{Providers: []provider.Provider{p}, Cache: c}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.v.Close() })
		rs[i] = r
	}
	return rs
}

// replicaClient returns a client of b, closed when the test ends; of a
// single Redis, one whose command outlasts a restart of Redis. After a restart a
// command may meet pooled connections to the dead server (at most
// PoolSize) and, once PoolSize dials failed during the outage, go-redis
// fails every dial at once until its probe, made once a second, reaches
// Redis: the command retries through both, its backoff (at least
// MaxRetries × MinRetryBackoff = 2 s) outlasting the probe's second. A
// Store's calls stay bounded by its Timeout, their context's deadline.
func (b *backend) replicaClient(t *testing.T) redis.UniversalClient {
	if b.cluster != nil {
		return newClusterClient(t, b.cluster)
	}
	const poolSize = 4
	c := redis.NewClient(&redis.Options{
		Addr: b.addr, ContextTimeoutEnabled: true, PoolSize: poolSize,
		MaxRetries: 5 * poolSize, MinRetryBackoff: 100 * time.Millisecond, MaxRetryBackoff: 500 * time.Millisecond,
	})
	t.Cleanup(func() { c.Close() })
	return c
}

// loadAll loads every replica's keys at once.
func loadAll(t *testing.T, rs []*replica) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, len(rs))
	for i, r := range rs {
		wg.Go(func() { errs[i] = r.v.Load(context.Background()) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("Load: %v", err)
	}
}
