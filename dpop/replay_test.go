package dpop_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jwtguard/jwtguard/dpop"
)

// A proof is accepted once; after its window it may be recorded again.
func TestMemoryReplays(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := dpop.NewMemoryReplays(1000)
		ctx := context.Background()
		exp := time.Now().Add(time.Minute)
		if seen, _ := r.Seen(ctx, "jkt.1", exp); seen {
			t.Fatal("a new proof seen")
		}
		if seen, _ := r.Seen(ctx, "jkt.1", exp); !seen {
			t.Fatal("a replay not seen")
		}
		if seen, _ := r.Seen(ctx, "jkt.2", exp); seen {
			t.Fatal("another proof seen")
		}
		time.Sleep(time.Minute)
		if seen, _ := r.Seen(ctx, "jkt.1", time.Now().Add(time.Minute)); seen {
			t.Fatal("a proof out of its window still remembered")
		}
	})
}

// A replayed proof under 100 goroutines is accepted exactly once (run
// with -race).
func TestMemoryReplaysConcurrent(t *testing.T) {
	r := dpop.NewMemoryReplays(10_000)
	var accepted atomic.Int64
	var wg sync.WaitGroup
	exp := time.Now().Add(time.Minute)
	for range 100 {
		wg.Go(func() {
			if seen, _ := r.Seen(context.Background(), "jkt.same", exp); !seen {
				accepted.Add(1)
			}
		})
	}
	wg.Wait()
	if n := accepted.Load(); n != 1 {
		t.Fatalf("a proof replayed by 100 goroutines accepted %d times", n)
	}
}

// Memory is bounded, and a proof is never forgotten inside its window: a
// full store refuses new proofs (fail closed) until some expire — a flood
// cannot evict the proof it wants to replay.
func TestMemoryReplaysBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := dpop.NewMemoryReplays(640)
		ctx := context.Background()
		exp := time.Now().Add(time.Minute)
		full := 0
		for i := range 100_000 {
			if _, err := r.Seen(ctx, fmt.Sprint("jkt.", i), exp); errors.Is(err, dpop.ErrReplaysFull) {
				full++
			}
		}
		if n := dpop.MemoryReplaysLen(r); n > 640 || full < 100_000-640 {
			t.Fatalf("%d proofs remembered (want at most 640), %d refused as full", n, full)
		}
		if seen, _ := r.Seen(ctx, "jkt.0", exp); !seen {
			t.Fatal("the first proof was forgotten inside its window")
		}
		time.Sleep(time.Minute) // every entry leaves its window
		if seen, err := r.Seen(ctx, "jkt.new", time.Now().Add(time.Minute)); seen || err != nil {
			t.Fatalf("after the window: seen %v, %v; want room again", seen, err)
		}
	})
}

// The in-memory replay check: under 1 µs, flat under RunParallel.
func BenchmarkMemoryReplays(b *testing.B) {
	r := dpop.NewMemoryReplays(1 << 20)
	exp := time.Now().Add(time.Hour)
	keys := make([]string, 1<<16)
	for i := range keys {
		keys[i] = fmt.Sprintf("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs.%d", i)
	}
	var goroutines atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		i := int(goroutines.Add(1)) << 12 // each goroutine its own keys
		for pb.Next() {
			r.Seen(ctx, keys[i&(1<<16-1)], exp)
			i++
		}
	})
}
