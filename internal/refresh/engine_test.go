package refresh

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// source is a Refresh whose calls block until released (or their ctx
// ends) and then publish the next integer or fail with err.
type source struct {
	e       *Engine[int, string]
	calls   atomic.Int64
	release chan struct{}
	mu      sync.Mutex
	err     error
	reports []Outcome[string]
}

func newSource(cfg Config[int, string]) *source {
	s := &source{release: make(chan struct{})}
	close(s.release)
	cfg.Refresh = s.refresh
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff, cfg.MaxBackoff = time.Second, time.Minute
	}
	s.e = New(cfg)
	return s
}

func (s *source) refresh(ctx context.Context, _ string) (func(Outcome[string]), error) {
	n := s.calls.Add(1)
	s.mu.Lock()
	release, err := s.release, s.err
	s.mu.Unlock()
	select {
	case <-release:
	case <-ctx.Done():
		return s.report, ctx.Err()
	}
	if err != nil {
		return s.report, err
	}
	v := int(n)
	s.e.Publish(func(*int) *int { return &v })
	return s.report, nil
}

func (s *source) report(o Outcome[string]) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reports = append(s.reports, o)
}

func (s *source) block() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.release = make(chan struct{})
}

func (s *source) unblock() {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.release)
}

func (s *source) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

// A stale value serves every caller at once while its one refresh hangs.
func TestStaleServesWhileRefreshHangs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSource(Config[int, string]{})
		defer s.e.Close()
		if err := s.e.Refresh(context.Background(), "initial"); err != nil {
			t.Fatal(err)
		}
		seen := s.e.Current()
		s.block()
		var wg sync.WaitGroup
		for range 100 {
			wg.Go(func() {
				start := time.Now()
				got, err := s.e.Get(context.Background(), Request[int, string]{Seen: seen, Level: Stale, Trigger: "time"})
				if err != nil || got.Value != seen || time.Since(start) != 0 {
					t.Errorf("Get(stale) = %+v, %v after %v; want the stale value at once", got, err, time.Since(start))
				}
			})
		}
		wg.Wait()
		synctest.Wait()
		if n := s.calls.Load(); n != 2 {
			t.Errorf("%d refreshes for 100 stale callers, want 1 more than the first", n-1)
		}
		s.unblock()
	})
}

// Callers with nothing to serve wait for one refresh, each bounded by its
// own context; one that gives up is told when the refresh ends at the latest.
func TestWaitersShareOneRefresh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSource(Config[int, string]{Timeout: 10 * time.Second})
		defer s.e.Close()
		s.block()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		_, err := s.e.Get(ctx, Request[int, string]{Level: None, Trigger: "initial"})
		cancel()
		var re *Error
		if !errors.As(err, &re) || re.Reason != GaveUp || re.RetryAfter != 7*time.Second || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("waiter whose context ended: %v, want GaveUp with 7s left", err)
		}
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() {
				got, err := s.e.Get(context.Background(), Request[int, string]{Level: None, Trigger: "initial"})
				if err != nil || got.Value == nil || *got.Value != 1 || got.Started {
					t.Errorf("waiter: %+v, %v; want the first value", got, err)
				}
			})
		}
		synctest.Wait()
		s.unblock()
		wg.Wait()
		if n := s.calls.Load(); n != 1 {
			t.Errorf("%d refreshes for 51 callers, want 1", n)
		}
	})
}

// After a failure, callers with nothing to serve fail at once for the
// backoff, which doubles, honours Retry-After up to its cap, and ends.
func TestBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		boom := errors.New("boom")
		var retryAfter atomic.Int64
		s := newSource(Config[int, string]{
			MinBackoff: time.Second, MaxBackoff: 4 * time.Second,
			RetryAfter:    func(error) time.Duration { return time.Duration(retryAfter.Load()) },
			MaxRetryAfter: time.Minute,
		})
		defer s.e.Close()
		s.fail(boom)
		get := func() error {
			_, err := s.e.Get(context.Background(), Request[int, string]{Level: None, Trigger: "x"})
			return err
		}
		for i, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second} {
			var re *Error
			if err := get(); !errors.As(err, &re) || re.Reason != Failed || !errors.Is(err, boom) {
				t.Fatalf("failure %d: %v, want Failed wrapping boom", i+1, err)
			}
			if re.RetryAfter < want || re.RetryAfter > want*6/5 {
				t.Fatalf("failure %d: backoff %v, want %v plus up to 20%%", i+1, re.RetryAfter, want)
			}
			calls := s.calls.Load()
			if err := get(); !errors.As(err, &re) || re.Reason != Held || !errors.Is(err, boom) {
				t.Fatalf("during backoff %d: %v, want Held wrapping the last failure", i+1, err)
			}
			if s.calls.Load() != calls {
				t.Fatal("a refresh started during the backoff")
			}
			time.Sleep(re.RetryAfter)
		}
		retryAfter.Store(int64(time.Hour))
		var re *Error
		if err := get(); !errors.As(err, &re) || re.RetryAfter != time.Minute {
			t.Fatalf("with Retry-After 1h: %v, want the cap (1m)", err)
		}
		if got := s.reports[len(s.reports)-1]; got.Failures != 5 || got.RetryIn != time.Minute {
			t.Errorf("last outcome %+v, want 5 failures, retry in 1m", got)
		}
	})
}

// A value past its time is refreshed in the background at the time Due
// says, and Close stops the loop and cancels a refresh in flight.
func TestBackgroundAndClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var s *source
		s = newSource(Config[int, string]{
			Background: "background",
			Due: func(v *int, retryAt time.Time) (time.Time, bool) {
				if v == nil {
					return time.Time{}, false
				}
				return time.Unix(946684800+int64(*v)*60, 0), true // every minute of 2000-01-01
			},
		})
		if err := s.e.Refresh(context.Background(), "initial"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(90 * time.Second)
		synctest.Wait()
		if v := *s.e.Current(); v != 2 {
			t.Fatalf("value %d after 90s, want 2 (one background refresh)", v)
		}
		s.block()
		time.Sleep(35 * time.Second) // the third refresh starts at 2m, and hangs
		synctest.Wait()
		s.e.Close()
		s.e.Close() // idempotent
		if n := s.calls.Load(); n != 3 {
			t.Fatalf("%d refreshes, want 3", n)
		}
		if got := s.reports[len(s.reports)-1]; !got.Closed || got.Failures != 0 {
			t.Errorf("outcome of the refresh Close cancelled: %+v, want Closed and no failure recorded", got)
		}
		var re *Error
		if _, err := s.e.Get(context.Background(), Request[int, string]{Seen: s.e.Current(), Level: None}); !errors.As(err, &re) || re.Reason != Closed {
			t.Errorf("Get after Close: %v, want Closed", err)
		}
		if v := *s.e.Current(); v != 2 {
			t.Errorf("value %d after Close, want the last one (2) kept", v)
		}
	})
}

// Between refreshes an Engine holds no goroutine, planned or not: a
// thousand engines waiting for their background refresh cost a timer
// each.
func TestNoGoroutineBetweenRefreshes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		before := runtime.NumGoroutine()
		due := func(v *int, _ time.Time) (time.Time, bool) {
			return time.Unix(946684800+3600, 0), v != nil && *v == 1 // 01:00 on the bubble's first day
		}
		sources := make([]*source, 1000)
		for i := range sources {
			sources[i] = newSource(Config[int, string]{Background: "background", Due: due})
			if err := sources[i].e.Refresh(context.Background(), "initial"); err != nil {
				t.Fatal(err)
			}
		}
		synctest.Wait()
		// Other tests' goroutines may come and go: a handful, not 1000.
		if n := runtime.NumGoroutine() - before; n > 10 {
			t.Errorf("%d more goroutines with 1000 engines planned, want none", n)
		}
		time.Sleep(61 * time.Minute)
		synctest.Wait()
		for i, s := range sources {
			if n := s.calls.Load(); n != 2 {
				t.Fatalf("engine %d: %d refreshes after an hour, want 2 (the timer fired)", i, n)
			}
			s.e.Close()
		}
	})
}
