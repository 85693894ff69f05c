package tokenflight_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jwtguard/jwtguard/internal/tokenflight"
)

type result struct {
	val string
	err error
}

// Concurrent calls of one key run fn once and share its outcome, value
// or error; calls of another key run on their own.
func TestDoShares(t *testing.T) {
	errEndpoint := errors.New("endpoint: slow down")
	for _, fail := range []bool{false, true} {
		t.Run(fmt.Sprintf("failing %v", fail), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var g tokenflight.Group[string]
				var runs atomic.Int64
				release := make(chan struct{})
				fn := func(context.Context) (string, error) {
					n := runs.Add(1)
					<-release
					if fail {
						return "", errEndpoint
					}
					return fmt.Sprint("v", n), nil
				}
				const callers = 20
				results := make(chan result, callers)
				for range callers {
					go func() {
						v, err := g.Do(context.Background(), "k", fn)
						results <- result{v, err}
					}()
				}
				other := make(chan result, 1)
				go func() {
					v, err := g.Do(context.Background(), "other", fn)
					other <- result{v, err}
				}()
				synctest.Wait()
				if got := runs.Load(); got != 2 {
					t.Fatalf("%d runs under way, want 2: one per key", got)
				}
				close(release)
				first := <-results
				for range callers - 1 {
					if r := <-results; r != first {
						t.Fatalf("callers got %+v and %+v, want one outcome", first, r)
					}
				}
				if fail && !errors.Is(first.err, errEndpoint) || !fail && (first.err != nil || first.val == "") {
					t.Fatalf("callers got %+v, want fn's outcome", first)
				}
				if r := <-other; r.val == first.val && !fail {
					t.Fatalf("the other key got %q too", r.val)
				}
			})
		})
	}
}

// A waiter whose context ends stops waiting, with its context's error;
// the call goes on for its caller.
func TestDoWaiterGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var g tokenflight.Group[string]
		release := make(chan struct{})
		leader := make(chan result, 1)
		go func() {
			v, err := g.Do(context.Background(), "k", func(context.Context) (string, error) {
				<-release
				return "v", nil
			})
			leader <- result{v, err}
		}()
		synctest.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := g.Do(ctx, "k", func(context.Context) (string, error) {
			t.Error("the waiter ran fn")
			return "", nil
		})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("waiter: %v, want context.DeadlineExceeded", err)
		}
		close(release)
		if r := <-leader; r.err != nil || r.val != "v" {
			t.Fatalf("leader: %+v, want its value", r)
		}
	})
}

// A waiter does not take the error of a call whose caller gave up (its
// context ended first): it runs fn itself. It takes any other error.
func TestDoWaiterOfAbandonedCall(t *testing.T) {
	errEndpoint := errors.New("endpoint: rejected")
	tests := []struct {
		name string
		// end ends the first call: cancel its context, let its deadline
		// pass, or let fn fail on its own.
		end        func(cancel context.CancelFunc, fail chan<- struct{})
		wantFirst  error
		waiterRuns bool
	}{
		{"caller canceled", func(cancel context.CancelFunc, _ chan<- struct{}) { cancel() }, context.Canceled, true},
		{"caller's deadline", func(context.CancelFunc, chan<- struct{}) { time.Sleep(time.Minute) }, context.DeadlineExceeded, true},
		{"endpoint error", func(_ context.CancelFunc, fail chan<- struct{}) { close(fail) }, errEndpoint, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var g tokenflight.Group[string]
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				fail := make(chan struct{})
				first := make(chan result, 1)
				go func() {
					v, err := g.Do(ctx, "k", func(ctx context.Context) (string, error) {
						select {
						case <-ctx.Done():
							return "", fmt.Errorf("requesting: %w", ctx.Err())
						case <-fail:
							return "", errEndpoint
						}
					})
					first <- result{v, err}
				}()
				synctest.Wait()
				var waiterRan atomic.Bool
				waiter := make(chan result, 1)
				go func() {
					v, err := g.Do(context.Background(), "k", func(context.Context) (string, error) {
						waiterRan.Store(true)
						return "waiter's", nil
					})
					waiter <- result{v, err}
				}()
				synctest.Wait()
				tt.end(cancel, fail)
				if r := <-first; !errors.Is(r.err, tt.wantFirst) {
					t.Fatalf("first caller: %v, want %v", r.err, tt.wantFirst)
				}
				r := <-waiter
				if waiterRan.Load() != tt.waiterRuns {
					t.Fatalf("waiter ran fn: %v, want %v", waiterRan.Load(), tt.waiterRuns)
				}
				if tt.waiterRuns && (r.err != nil || r.val != "waiter's") {
					t.Fatalf("waiter: %+v, want its own value", r)
				}
				if !tt.waiterRuns && !errors.Is(r.err, errEndpoint) {
					t.Fatalf("waiter: %+v, want the first call's error", r)
				}
			})
		})
	}
}

// When fn panics, its caller panics and the waiters get ErrPanicked; the
// key is free again.
func TestDoPanic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var g tokenflight.Group[string]
		release := make(chan struct{})
		recovered := make(chan any, 1)
		go func() {
			defer func() { recovered <- recover() }()
			_, _ = g.Do(context.Background(), "k", func(context.Context) (string, error) {
				<-release
				panic("boom")
			})
		}()
		synctest.Wait()
		waiter := make(chan result, 1)
		go func() {
			v, err := g.Do(context.Background(), "k", func(context.Context) (string, error) { return "waiter's", nil })
			waiter <- result{v, err}
		}()
		synctest.Wait()
		close(release)
		if p := <-recovered; p != "boom" {
			t.Fatalf("the caller running fn recovered %v, want its panic", p)
		}
		if r := <-waiter; !errors.Is(r.err, tokenflight.ErrPanicked) {
			t.Fatalf("waiter: %+v, want ErrPanicked", r)
		}
		if v, err := g.Do(context.Background(), "k", func(context.Context) (string, error) { return "again", nil }); v != "again" || err != nil {
			t.Fatalf("after the panic: %q, %v; want fn run again", v, err)
		}
	})
}
