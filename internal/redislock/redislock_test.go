package redislock_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/jwtguard/jwtguard/internal/redislock"
	"github.com/jwtguard/jwtguard/internal/redislock/redislocktest"
)

// forEachBackend runs f with a client of miniredis and, when REDIS_ADDR
// is set, of that Redis, and a key of the test's own.
func forEachBackend(t *testing.T, f func(t *testing.T, c *redis.Client, key string)) {
	t.Run("miniredis", func(t *testing.T) {
		f(t, newClient(t, miniredis.RunT(t).Addr()), "lock")
	})
	t.Run("redis", func(t *testing.T) {
		addr := os.Getenv("REDIS_ADDR")
		if addr == "" {
			t.Skip("REDIS_ADDR is not set: testing against miniredis only")
		}
		c := newClient(t, addr)
		key := "jwtguard-test:redislock:" + redislock.Token()
		t.Cleanup(func() { c.Del(context.Background(), key) })
		f(t, c, key)
	})
}

func newClient(t *testing.T, addr string) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	t.Cleanup(func() { c.Close() })
	return c
}

// holder returns the owner token the lock at key holds, "" if none.
func holder(t *testing.T, c *redis.Client, key string) string {
	t.Helper()
	v, err := c.Get(context.Background(), key).Result()
	if errors.Is(err, redis.Nil) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestHonorsDeadlines(t *testing.T) {
	const addr = "127.0.0.1:1"
	tests := []struct {
		name   string
		client redis.UniversalClient
		want   bool
	}{
		{"client", redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true}), true},
		{"client without", redis.NewClient(&redis.Options{Addr: addr}), false},
		{"cluster", redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{addr}, ContextTimeoutEnabled: true}), true},
		{"cluster without", redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{addr}}), false},
		{"ring", redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": addr}, ContextTimeoutEnabled: true}), true},
		{"ring without", redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": addr}}), false},
		// A type of its own cannot be inspected: trusted.
		{"wrapped", struct{ redis.UniversalClient }{redis.NewClient(&redis.Options{Addr: addr})}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer tt.client.Close()
			if got := redislock.HonorsDeadlines(tt.client); got != tt.want {
				t.Fatalf("HonorsDeadlines = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestToken(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		tok := redislock.Token()
		if len(tok) != 32 || strings.Trim(tok, "0123456789abcdef") != "" {
			t.Fatalf("token %q, want 32 hex digits", tok)
		}
		if seen[tok] {
			t.Fatalf("token %q twice", tok)
		}
		seen[tok] = true
	}
}

// One owner at a time holds the lock, for its TTL at most; only the owner
// releases it.
func TestLock(t *testing.T) {
	forEachBackend(t, func(t *testing.T, c *redis.Client, key string) {
		ctx := context.Background()
		b := redislock.Bounded{Client: c, Timeout: 2 * time.Second}
		const ttl = 10 * time.Second
		owner, err := b.Lock(ctx, key, ttl)
		if err != nil || owner == "" || holder(t, c, key) != owner {
			t.Fatalf("Lock = %q, %v (lock holds %q); want the lock taken", owner, err, holder(t, c, key))
		}
		if left := c.PTTL(ctx, key).Val(); left <= 0 || left > ttl {
			t.Fatalf("lock lives %v more, want up to %v", left, ttl)
		}
		if other, err := b.Lock(ctx, key, ttl); other != "" || err != nil {
			t.Fatalf("second Lock = %q, %v; want \"\" and no error", other, err)
		}
		if err := b.Unlock(ctx, key, redislock.Token()); err != nil || holder(t, c, key) != owner {
			t.Fatalf("Unlock by another: %v; the lock holds %q, want still %q", err, holder(t, c, key), owner)
		}
		if err := b.Unlock(ctx, key, owner); err != nil || holder(t, c, key) != "" {
			t.Fatalf("Unlock by the owner: %v; the lock holds %q, want released", err, holder(t, c, key))
		}
		again, err := b.Lock(ctx, key, ttl)
		if err != nil || again == "" || again == owner {
			t.Fatalf("Lock after release = %q, %v; want a new owner", again, err)
		}
	})
}

// An owner whose lock expired and was taken by another does not release
// the other's lock.
func TestUnlockAfterExpiry(t *testing.T) {
	forEachBackend(t, func(t *testing.T, c *redis.Client, key string) {
		ctx := context.Background()
		b := redislock.Bounded{Client: c, Timeout: 2 * time.Second}
		first, err := b.Lock(ctx, key, time.Second)
		if err != nil || first == "" {
			t.Fatalf("Lock = %q, %v", first, err)
		}
		c.Del(ctx, key) // as if it expired
		second, err := b.Lock(ctx, key, time.Second)
		if err != nil || second == "" {
			t.Fatalf("Lock after expiry = %q, %v", second, err)
		}
		if err := b.Unlock(ctx, key, first); err != nil || holder(t, c, key) != second {
			t.Fatalf("Unlock by the expired owner: %v; the lock holds %q, want the new owner's", err, holder(t, c, key))
		}
	})
}

// A caller whose context ended still releases its lock; it does not take
// one.
func TestDoneContext(t *testing.T) {
	forEachBackend(t, func(t *testing.T, c *redis.Client, key string) {
		b := redislock.Bounded{Client: c, Timeout: 2 * time.Second}
		ctx, cancel := context.WithCancel(context.Background())
		owner, err := b.Lock(ctx, key, time.Minute)
		if err != nil || owner == "" {
			t.Fatalf("Lock = %q, %v", owner, err)
		}
		cancel()
		if err := b.Unlock(ctx, key, owner); err != nil || holder(t, c, key) != "" {
			t.Fatalf("Unlock with a canceled context: %v; the lock holds %q, want released", err, holder(t, c, key))
		}
		if owner, err := b.Lock(ctx, key, time.Minute); owner != "" || !errors.Is(err, context.Canceled) {
			t.Fatalf("Lock with a canceled context = %q, %v; want context.Canceled", owner, err)
		}
	})
}

type ctxKey struct{}

// Detached keeps the caller's values, drops its cancellation, and is
// bounded by Timeout; Context is bounded by both.
func TestContexts(t *testing.T) {
	const timeout = time.Minute
	b := redislock.Bounded{Timeout: timeout}
	parent, cancel := context.WithTimeout(context.WithValue(context.Background(), ctxKey{}, "v"), time.Hour)
	start := time.Now()

	call, cancelCall := b.Context(parent)
	defer cancelCall()
	if d, ok := call.Deadline(); !ok || d.Before(start.Add(timeout)) || d.After(time.Now().Add(timeout)) {
		t.Fatalf("Context deadline %v, want Timeout from now", d)
	}

	cancel()
	if call.Err() == nil {
		t.Fatal("Context outlives its parent")
	}
	detached, cancelDetached := b.Detached(parent)
	defer cancelDetached()
	if detached.Err() != nil || detached.Value(ctxKey{}) != "v" {
		t.Fatalf("Detached: %v, value %v; want live, with the parent's values", detached.Err(), detached.Value(ctxKey{}))
	}
	if d, ok := detached.Deadline(); !ok || d.After(time.Now().Add(timeout)) {
		t.Fatalf("Detached deadline %v, %v; want Timeout from now", d, ok)
	}
}

// Against a Redis that never answers, each call gives up after Timeout.
func TestTimeout(t *testing.T) {
	const timeout = 50 * time.Millisecond
	// go-redis alone would wait its ReadTimeout (3 s) and retry: anything
	// near a second means Timeout did not bound the call.
	const bound = time.Second
	b := redislock.Bounded{Client: newClient(t, redislocktest.Blackhole(t)), Timeout: timeout}
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
	}{
		{"Lock", func() error { _, err := b.Lock(ctx, "lock", time.Second); return err }},
		{"Unlock", func() error { return b.Unlock(ctx, "lock", "owner") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			err := tt.call()
			if elapsed := time.Since(start); !errors.Is(err, context.DeadlineExceeded) || elapsed > bound {
				t.Fatalf("%s: %v after %v; want a timeout after %v", tt.name, err, elapsed, timeout)
			}
		})
	}
}

// Stores made over one client share its one Dials hook: hooks are never
// removed, and every dial runs each of them.
func TestNewBoundedAddsOneHook(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	defer c.Close()
	a, b := redislock.NewBounded(c, time.Second), redislock.NewBounded(c, 2*time.Second)
	if a.Dials != b.Dials || a.Dials == nil {
		t.Fatalf("two Bounded over one client: Dials %p and %p, want one hook", a.Dials, b.Dials)
	}
	other := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	defer other.Close()
	if redislock.NewBounded(other, time.Second).Dials == a.Dials {
		t.Fatal("another client shares the first's Dials hook")
	}
}
