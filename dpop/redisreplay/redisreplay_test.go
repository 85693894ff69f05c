package redisreplay_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/jwtguard/jwtguard/dpop"
	"github.com/jwtguard/jwtguard/dpop/redisreplay"
	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/redislock/redislocktest"
)

// servers are the Redis servers the tests run on: miniredis, and the
// real one at REDIS_ADDR when it is set.
func servers(t *testing.T) map[string]string {
	mr := miniredis.RunT(t)
	out := map[string]string{"miniredis": mr.Addr()}
	if a := os.Getenv("REDIS_ADDR"); a != "" {
		out["redis"] = a
	}
	return out
}

// prefix returns a key prefix of its own for each call: a real Redis
// keeps the keys of earlier tests and runs.
func prefix(t *testing.T) string {
	return "jwtguard-test:dpop:" + t.Name() + ":" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":"
}

func store(t *testing.T, addr, prefix string, failed func(error)) dpop.Replays {
	return storeWith(t, addr, prefix, failed, nil)
}

// failedFunc receives the replay store's failures (observe.DPoP).
type failedFunc func(error)

func (failedFunc) Checked(string) {}
func (f failedFunc) ReplayStoreFailed(err error) {
	if f != nil {
		f(err)
	}
}

// storeWith is store with its own local memory, if not nil. The Redis
// timeout is long: a test that counts acceptances must not have a slow
// call on a loaded machine fall back to memory.
func storeWith(t *testing.T, addr, prefix string, failed func(error), local dpop.Replays) dpop.Replays {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	t.Cleanup(func() { c.Close() })
	s, err := redisreplay.New(redisreplay.Config{Client: c, Prefix: prefix, Secret: secret, Metrics: &observe.Hooks{DPoP: failedFunc(failed)}, Local: local, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A proof accepted by one replica is refused by another, and a proof
// replayed to two replicas by 100 goroutines is accepted once.
func TestReplicas(t *testing.T) {
	for name, addr := range servers(t) {
		t.Run(name, func(t *testing.T) {
			p := prefix(t)
			failed := func(err error) { t.Errorf("Redis failed, the check fell back to memory: %v", err) }
			a, b := store(t, addr, p, failed), store(t, addr, p, failed)
			ctx := context.Background()
			exp := time.Now().Add(time.Minute)
			if seen, err := a.Seen(ctx, "jkt.1", exp); seen || err != nil {
				t.Fatalf("a new proof: seen %v, %v", seen, err)
			}
			if seen, _ := b.Seen(ctx, "jkt.1", exp); !seen {
				t.Fatal("a proof replayed to another replica was not seen")
			}
			var accepted atomic.Int64
			var wg sync.WaitGroup
			for i := range 100 {
				wg.Go(func() {
					s := a
					if i%2 == 1 {
						s = b
					}
					if seen, err := s.Seen(ctx, "jkt.race", exp); err == nil && !seen {
						accepted.Add(1)
					}
				})
			}
			wg.Wait()
			if n := accepted.Load(); n != 1 {
				t.Fatalf("a proof replayed by 100 goroutines to two replicas accepted %d times", n)
			}
		})
	}
}

// With Redis down, a replica keeps checking in its own memory and
// reports each failure: a replay to it is refused; the same proof at
// another replica is not (what the package doc says).
func TestRedisDown(t *testing.T) {
	var failures atomic.Int64
	var last atomic.Value
	failed := func(err error) { failures.Add(1); last.Store(err.Error()) }
	addr := redislocktest.Refused(t)
	p := prefix(t)
	a, b := store(t, addr, p, failed), store(t, addr, p, failed)
	ctx := context.Background()
	exp := time.Now().Add(time.Minute)
	if seen, err := a.Seen(ctx, "jkt.1", exp); seen || err != nil {
		t.Fatalf("Redis down, a new proof: seen %v, %v", seen, err)
	}
	if seen, _ := a.Seen(ctx, "jkt.1", exp); !seen {
		t.Fatal("Redis down, a replay to the same replica was not seen")
	}
	if seen, _ := b.Seen(ctx, "jkt.1", exp); seen {
		t.Fatal("Redis down, another replica cannot know the proof")
	}
	if failures.Load() != 2 || !strings.Contains(last.Load().(string), "connection refused") {
		t.Fatalf("%d failures reported (last %v), want 2 naming the refusal", failures.Load(), last.Load())
	}
}

// A replica whose memory is full (dpop.ErrReplaysFull) still accepts a
// new proof once Redis has recorded it, and refuses its replay; with
// Redis down as well, nothing can remember the proof: it is refused.
func TestLocalMemoryFull(t *testing.T) {
	fullKeys := func(local dpop.Replays, n int) []string {
		exp := time.Now().Add(time.Minute)
		var out []string
		for i := 0; len(out) < n; i++ {
			k := "jkt." + strconv.Itoa(i)
			if _, err := local.Seen(context.Background(), k, exp); errors.Is(err, dpop.ErrReplaysFull) {
				out = append(out, k)
			}
		}
		return out
	}
	ctx := context.Background()
	exp := time.Now().Add(time.Minute)

	local := dpop.NewMemoryReplays(1)
	keys := fullKeys(local, 2)
	up := storeWith(t, miniredis.RunT(t).Addr(), prefix(t), nil, local)
	if seen, err := up.Seen(ctx, keys[0], exp); seen || err != nil {
		t.Fatalf("memory full, Redis up, a new proof: seen %v, %v; want accepted", seen, err)
	}
	if seen, _ := up.Seen(ctx, keys[0], exp); !seen {
		t.Fatal("memory full, Redis up, a replay was not seen")
	}

	var failures atomic.Int64
	down := storeWith(t, redislocktest.Refused(t), prefix(t), func(error) { failures.Add(1) }, local)
	if seen, err := down.Seen(ctx, keys[1], exp); !seen || !errors.Is(err, dpop.ErrReplaysFull) || failures.Load() != 1 {
		t.Fatalf("memory full, Redis down: seen %v, %v, %d failures; want refused with ErrReplaysFull, one failure reported", seen, err, failures.Load())
	}
}

// secret is the tests' fleet secret.
var secret = []byte("the tests' fleet secret, 32 bytes+")

// A record planted in Redis without the fleet's secret does not make
// replicas refuse the proof: it is replaced, and reported.
func TestPlantedRecord(t *testing.T) {
	for name, addr := range servers(t) {
		t.Run(name, func(t *testing.T) {
			var reported []error
			p := prefix(t)
			s := store(t, addr, p, func(err error) { reported = append(reported, err) })
			c := redis.NewClient(&redis.Options{Addr: addr})
			defer c.Close()
			ctx := context.Background()
			if err := c.Set(ctx, p+"jkt.victim", "1", time.Minute).Err(); err != nil {
				t.Fatal(err)
			}
			exp := time.Now().Add(time.Minute)
			if seen, err := s.Seen(ctx, "jkt.victim", exp); seen || err != nil {
				t.Fatalf("a proof whose key an attacker planted: seen %v, %v", seen, err)
			}
			if len(reported) != 1 || !errors.Is(reported[0], redisreplay.ErrBadRecord) {
				t.Fatalf("reported %v, want the planted record", reported)
			}
			if seen, _ := s.Seen(ctx, "jkt.victim", exp); !seen {
				t.Fatal("the proof replayed after its record was replaced: not seen")
			}
		})
	}
}

func TestConfig(t *testing.T) {
	if _, err := redisreplay.New(redisreplay.Config{}); err == nil {
		t.Error("no client accepted")
	}
	ok := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	defer ok.Close()
	for name, cfg := range map[string]redisreplay.Config{
		"no secret":           {Client: ok},
		"short secret":        {Client: ok, Secret: []byte("short")},
		"secret and insecure": {Client: ok, Secret: secret, InsecureTrustRedis: true},
	} {
		if _, err := redisreplay.New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := redisreplay.New(redisreplay.Config{Client: ok, InsecureTrustRedis: true}); err != nil {
		t.Errorf("InsecureTrustRedis: %v", err)
	}
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer c.Close()
	if _, err := redisreplay.New(redisreplay.Config{Client: c}); err == nil || !strings.Contains(err.Error(), "ContextTimeoutEnabled") {
		t.Errorf("a client without ContextTimeoutEnabled: %v", err)
	}
}

// While Redis is down every DPoP request fails over to memory: each
// failure is counted, the log gets one line a minute saying what
// happened to the proof.
func TestOutageLogged(t *testing.T) {
	var log bytes.Buffer
	var counted atomic.Int64
	// No retries: each call fails at once with the refusal itself.
	c := redis.NewClient(&redis.Options{Addr: redislocktest.Refused(t), ContextTimeoutEnabled: true, MaxRetries: -1, DialerRetries: 1})
	defer c.Close()
	s, err := redisreplay.New(redisreplay.Config{
		Client: c, Secret: secret, Prefix: prefix(t),
		Logger:  slog.New(slog.NewTextHandler(&log, nil)),
		Metrics: &observe.Hooks{DPoP: failedFunc(func(error) { counted.Add(1) })},
	})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	const proofs = 20
	for i := range proofs {
		if seen, err := s.Seen(context.Background(), fmt.Sprint("proof-", i), time.Now().Add(time.Minute)); seen || err != nil {
			t.Fatalf("proof %d with Redis down: seen %v, %v; want checked in memory and accepted", i, seen, err)
		}
	}
	elapsed := time.Since(start)
	lines := strings.Count(log.String(), "\n")
	if counted.Load() != proofs {
		t.Errorf("%d failures counted, want %d", counted.Load(), proofs)
	}
	if lines < 1 || lines > 1+int(elapsed/time.Minute) {
		t.Errorf("%d lines logged in %v, want one a minute:\n%s", lines, elapsed, log.String())
	}
	if !strings.Contains(log.String(), "the proof was checked in this replica's memory") || !strings.Contains(log.String(), "connection refused") ||
		!strings.Contains(log.String(), "not_logged_before=0") {
		t.Errorf("log %q: want what happened to the proof and why", log.String())
	}
}
