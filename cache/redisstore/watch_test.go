package redisstore_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/cache/redisstore"
)

const otherURL = "https://other.example/.well-known/jwks.json"

// counter returns a changed function that signals each call on calls.
func counter() (changed func(), calls chan struct{}) {
	calls = make(chan struct{}, 100)
	return func() { calls <- struct{}{} }, calls
}

func TestWatchReportsOtherStoresDocuments(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		w, other := b.store(t, nil), b.store(t, nil)
		changed, calls := counter()
		stop, err := w.Watch(testURL, changed)
		if err != nil {
			t.Fatalf("Watch: %v", err)
		}
		defer stop()
		within(t, calls, 5*time.Second, "call once subscribed (to catch up)")

		var f fetcher
		if _, err := fetchVia(context.Background(), other, time.Time{}, f.fetch, noReport(t)); err != nil {
			t.Fatal(err)
		}
		within(t, calls, 5*time.Second, "call for the other store's document")
	})
}

func TestWatchSkipsOwnNotices(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		w, other := b.store(t, nil), b.store(t, nil)
		dispatched := make(chan string, 10)
		redisstore.SetOnDispatch(w, func(ch string) { dispatched <- ch })
		url1, url2 := w.Key(testURL)+":notice", w.Key(otherURL)+":notice"

		stop, err := w.Watch(testURL, func() {})
		if err != nil {
			t.Fatal(err)
		}
		defer stop()
		if ch := within(t, dispatched, 5*time.Second, "subscription"); ch != url1 {
			t.Fatalf("dispatched %q; want %q", ch, url1)
		}

		// w shares a document: its own notice comes back on the
		// subscription, before the confirmation of a later subscription.
		var f fetcher
		if _, err := fetchVia(context.Background(), w, time.Time{}, f.fetch, noReport(t)); err != nil {
			t.Fatal(err)
		}
		stop2, err := w.Watch(otherURL, func() {})
		if err != nil {
			t.Fatal(err)
		}
		defer stop2()
		if ch := within(t, dispatched, 5*time.Second, "second subscription"); ch != url2 {
			t.Fatalf("dispatched %q before the second subscription; want own notice skipped", ch)
		}

		// Another store's notice is delivered.
		if _, err := fetchVia(context.Background(), other, time.Now(), f.fetch, noReport(t)); err != nil {
			t.Fatal(err)
		}
		if ch := within(t, dispatched, 5*time.Second, "other store's notice"); ch != url1 {
			t.Fatalf("dispatched %q; want %q", ch, url1)
		}
	})
}

func TestWatchStopWaitsForTheCall(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		w, other := b.store(t, nil), b.store(t, nil)
		dispatched := make(chan string, 100)
		redisstore.SetOnDispatch(w, func(ch string) { dispatched <- ch })
		waiting := make(chan struct{}, 1)
		redisstore.SetOnStopWait(t, func() {
			select {
			case waiting <- struct{}{}:
			default:
			}
		})
		entered, gate := make(chan struct{}, 1), make(chan struct{})
		var running, afterStop atomic.Int64
		var stopped atomic.Bool
		// finished is written by the calls and read once stop returns,
		// with nothing but stop's wait to order the two: under -race, a
		// stop that does not wait is a data race even when the timing
		// makes the counts agree.
		var finished int64
		stop, err := w.Watch(testURL, func() {
			if stopped.Load() {
				afterStop.Add(1)
			}
			running.Add(1)
			select {
			case entered <- struct{}{}:
			default:
			}
			<-gate
			finished++
		})
		if err != nil {
			t.Fatal(err)
		}
		within(t, entered, 5*time.Second, "first call")

		returned := make(chan int64, 1)
		go func() {
			stop()
			stopped.Store(true)
			returned <- finished
		}()
		// stop has reached the point where it waits for the call: only
		// now let the call finish.
		within(t, waiting, 5*time.Second, "stop waiting for the call")
		close(gate)
		if n := within(t, returned, 5*time.Second, "stop"); n != running.Load() {
			t.Fatalf("stop returned with %d of %d calls finished; want it to wait", n, running.Load())
		}
		stop() // idempotent

		// A document shared after stop calls nothing (the second
		// subscription's confirmation proves the notice was received).
		var f fetcher
		if _, err := fetchVia(context.Background(), other, time.Time{}, f.fetch, noReport(t)); err != nil {
			t.Fatal(err)
		}
		stop2, err := w.Watch(otherURL, func() {})
		if err != nil {
			t.Fatal(err)
		}
		defer stop2()
		for ch := ""; ch != w.Key(otherURL)+":notice"; {
			ch = within(t, dispatched, 5*time.Second, "second subscription")
		}
		if n := afterStop.Load(); n != 0 {
			t.Fatalf("changed called %d times after stop", n)
		}
	})
}

func TestStoreAfterClose(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		ctx := context.Background()
		s := b.store(t, nil)
		stop, err := s.Watch(testURL, func() {})
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		s.Close() // idempotent
		stop()    // after Close: no-op, no hang

		if _, err := s.Watch(testURL, func() {}); !errors.Is(err, redisstore.ErrClosed) {
			t.Errorf("Watch after Close: %v; want ErrClosed", err)
		}
		if _, err := s.Get(ctx, testURL); !errors.Is(err, redisstore.ErrClosed) {
			t.Errorf("Get after Close: %v; want ErrClosed", err)
		}
		var f fetcher
		var r reports
		doc, err := fetchVia(ctx, s, time.Time{}, f.fetch, r.report)
		if errs := r.all(); err != nil || doc == nil || f.calls.Load() != 1 || len(errs) != 1 || !errors.Is(errs[0], redisstore.ErrClosed) {
			t.Errorf("Fetch after Close = %v, %v, %d fetches, reported %v; want a fetch and ErrClosed reported", doc, err, f.calls.Load(), errs)
		}
	})
}

func TestWatchNeedsAFunction(t *testing.T) {
	s := (&backend{addr: "127.0.0.1:1"}).store(t, nil)
	if _, err := s.Watch(testURL, nil); err == nil || !hasPrefix(err) {
		t.Fatalf("Watch(nil) = %v; want an error", err)
	}
}
