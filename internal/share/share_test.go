package share

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// memStore is a Store in memory whose operations can be made to fail.
type memStore struct {
	locks Locks
	mu    sync.Mutex
	vals  map[string]*int
	bad   bool  // Get finds a bad record
	fail  error // every operation fails with it
	puts  int
	poll  bool // Lock hands out no release channel: waiters poll
}

func (m *memStore) Get(_ context.Context, key string) (*int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.fail != nil:
		return nil, m.fail
	case m.bad:
		return nil, fmt.Errorf("garbage: %w", ErrBadRecord)
	}
	return m.vals[key], nil
}

func (m *memStore) Lock(_ context.Context, key string) (string, <-chan struct{}, error) {
	if m.fail != nil {
		return "", nil, m.fail
	}
	owner, released := m.locks.Lock(key)
	if m.poll {
		released = nil
	}
	return owner, released, nil
}

func (m *memStore) Unlock(ctx context.Context, key, _ string) error {
	if ctx.Err() != nil {
		return errors.New("unlock with a done context")
	}
	m.locks.Unlock(key)
	return nil
}

func (m *memStore) Put(ctx context.Context, key string, v *int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if ctx.Err() != nil {
		return errors.New("put with a done context")
	}
	if m.vals == nil {
		m.vals = map[string]*int{}
	}
	m.vals[key] = v
	m.bad = false
	m.puts++
	return nil
}

// produce returns a Produce that counts its calls and returns n.
func produce(n int, calls *atomic.Int64) func(context.Context) (*int, error) {
	return func(context.Context) (*int, error) {
		calls.Add(1)
		return &n, nil
	}
}

func always(*int) bool { return true }

func collect(errs *[]error) func(error) { return func(err error) { *errs = append(*errs, err) } }

var errTimeout = errors.New("holder too slow")

func TestDoSharesAndReuses(t *testing.T) {
	st := &memStore{}
	var calls atomic.Int64
	var reported []error
	o := Options[int]{Fresh: always, Produce: produce(7, &calls), Report: collect(&reported), WaitFor: time.Second, LockTimeout: errTimeout}
	for i := range 3 {
		v, produced, err := Do(context.Background(), st, "k", o)
		if err != nil || *v != 7 || produced != (i == 0) {
			t.Fatalf("Do #%d = %v, %v, %v; want 7, produced only the first time", i, v, produced, err)
		}
	}
	if calls.Load() != 1 || st.puts != 1 || len(reported) != 0 {
		t.Fatalf("%d produced, %d put, reported %v; want 1, 1, nothing", calls.Load(), st.puts, reported)
	}
}

// A bad record is reported once, however often it is read, and replaced.
func TestDoReplacesABadRecord(t *testing.T) {
	st := &memStore{bad: true}
	var calls atomic.Int64
	var reported []error
	v, produced, err := Do(context.Background(), st, "k", Options[int]{
		Fresh: always, Produce: produce(1, &calls), Report: collect(&reported), LockTimeout: errTimeout,
	})
	if err != nil || !produced || *v != 1 {
		t.Fatalf("Do = %v, %v, %v", v, produced, err)
	}
	if len(reported) != 1 || !errors.Is(reported[0], ErrBadRecord) {
		t.Fatalf("reported %v; want the bad record once (read twice: before and under the lock)", reported)
	}
	if got, _ := st.Get(context.Background(), "k"); got == nil || *got != 1 {
		t.Fatalf("the store holds %v; want the produced value", got)
	}
}

// A failing store is reported, and the value produced without it.
func TestDoWithoutTheStore(t *testing.T) {
	down := errors.New("store down")
	st := &memStore{fail: down}
	var calls atomic.Int64
	var reported []error
	v, produced, err := Do(context.Background(), st, "k", Options[int]{
		Fresh: always, Produce: produce(2, &calls), Report: collect(&reported), LockTimeout: errTimeout,
	})
	if err != nil || !produced || *v != 2 || len(reported) != 1 || !errors.Is(reported[0], down) {
		t.Fatalf("Do = %v, %v, %v, reported %v; want 2 produced and the failure reported", v, produced, err, reported)
	}
}

// A caller that finds the lock held waits for the holder's value — woken
// at the release, or polling — and, past WaitFor, produces its own and
// shares it.
func TestDoWaitsForTheHolder(t *testing.T) {
	for _, poll := range []bool{false, true} {
		t.Run(fmt.Sprintf("poll=%v", poll), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				st := &memStore{poll: poll}
				owner, _, _ := st.Lock(context.Background(), "k")
				var calls atomic.Int64
				var reported []error
				done := make(chan *int)
				go func() {
					v, _, err := Do(context.Background(), st, "k", Options[int]{
						Fresh: always, Produce: produce(3, &calls), Report: collect(&reported), WaitFor: time.Minute, LockTimeout: errTimeout,
					})
					if err != nil {
						t.Error(err)
					}
					done <- v
				}()
				time.Sleep(10 * time.Second)
				synctest.Wait()
				if calls.Load() != 0 {
					t.Fatal("the waiter produced while the holder held the lock")
				}
				four := 4
				_ = st.Put(context.Background(), "k", &four) // the holder shares, and releases
				_ = st.Unlock(context.Background(), "k", owner)
				if v := <-done; *v != 4 || calls.Load() != 0 {
					t.Fatalf("waiter got %v after %d productions; want the holder's 4", *v, calls.Load())
				}

				// A holder that never delivers: the waiter produces and shares after WaitFor.
				owner, _, _ = st.Lock(context.Background(), "j")
				start := time.Now()
				go func() {
					v, _, _ := Do(context.Background(), st, "j", Options[int]{
						Fresh: always, Produce: produce(5, &calls), Report: collect(&reported), WaitFor: time.Minute, LockTimeout: errTimeout,
					})
					done <- v
				}()
				if v := <-done; *v != 5 || time.Since(start) != time.Minute {
					t.Fatalf("got %v after %v; want its own 5 after WaitFor (1m)", *v, time.Since(start))
				}
				if got, _ := st.Get(context.Background(), "j"); got == nil || *got != 5 || len(reported) != 1 || !errors.Is(reported[0], errTimeout) {
					t.Fatalf("store holds %v, reported %v; want 5 shared and the lock timeout reported", got, reported)
				}
				_ = st.Unlock(context.Background(), "j", owner)
			})
		})
	}
}

// Once ctx is done, Do produces nothing and reports nothing; a lock it
// took is released all the same.
func TestDoContextDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &memStore{}
		var calls atomic.Int64
		var reported []error
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, _, err := Do(ctx, st, "k", Options[int]{Fresh: always, Produce: produce(1, &calls), Report: collect(&reported), LockTimeout: errTimeout}); !errors.Is(err, context.Canceled) {
			t.Fatalf("Do with a done context: %v", err)
		}
		if calls.Load() != 0 || len(reported) != 0 {
			t.Fatalf("%d produced, reported %v; want neither", calls.Load(), reported)
		}
		if owner, _, _ := st.Lock(context.Background(), "k"); owner == "" {
			t.Fatal("the lock was left held")
		}
	})
}
