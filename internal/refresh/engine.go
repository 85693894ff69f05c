// Package refresh is the one refresh engine of jwtguard, generic over
// what it refreshes: the key sets of package cache and the tokens of
// package m2m. An Engine owns the current value (an atomic pointer that
// readers load without a lock), the single refresh in flight with its
// waiters, each bounded by its own context, the backoff after failures
// (exponential, with jitter and Retry-After), the background timer driven
// by the policy's "when is this value due", and Close.
//
// The policy — what "fresh", "due", "stale" and "lacking" mean for a key
// set or a token — stays with the caller: it looks at the value on its
// hot path and, when that is not enough, hands the engine what it found
// (a Request). The engine takes one Snapshot of its state and acts on
// Decide's answer; no other code decides between serving, refreshing,
// waiting and failing.
//
// An Engine is safe for concurrent use. Between refreshes it holds no
// goroutine: the background refresh waits on a timer (armed only while
// one is planned), and a refresh runs in a goroutine of its own that
// Close cancels and waits for.
package refresh

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Config is the policy of an Engine. Refresh is required; a zero field
// otherwise means: none.
type Config[V any, T comparable] struct {
	// Refresh obtains the next value and publishes it with Publish. It
	// runs in a goroutine of its own, one at a time, bounded by ctx
	// (Timeout). The report it returns, if not nil, is called with the
	// outcome once the engine has recorded it and before any waiter
	// wakes.
	Refresh func(ctx context.Context, trigger T) (report func(Outcome[T]), err error)
	// Due returns when the background refresh of v is due, given the
	// end of the backoff (zero if refreshes are not failing; the engine
	// never plans a refresh before it); false means: not planned until the
	// next Poke. Nil: no background refresh.
	Due func(v *V, retryAt time.Time) (time.Time, bool)
	// Background is the trigger of the refreshes the background timer
	// starts.
	Background T
	// Sync makes an expired (Stale) value wait for its refresh rather
	// than serve while it runs, unless refreshes are failing.
	Sync bool
	// Timeout bounds one refresh. Required.
	Timeout time.Duration
	// MinBackoff is the wait after one failure; it doubles with each
	// failure in a row up to MaxBackoff, and 0–20% jitter is added.
	MinBackoff, MaxBackoff time.Duration
	// EmptyBackoff, if positive, caps the backoff while there is no value
	// (every caller is failing: retry sooner).
	EmptyBackoff time.Duration
	// RetryAfter returns how long the source of err asked to be left
	// alone (an HTTP Retry-After), or zero. A longer wait than the
	// backoff is honoured, up to MaxRetryAfter.
	RetryAfter    func(err error) time.Duration
	MaxRetryAfter time.Duration
	// Now is the clock. If nil, time.Now is used.
	Now func() time.Time
}

// Outcome is one refresh as the engine recorded it.
type Outcome[T comparable] struct {
	Trigger T
	Err     error
	// Failures is the number of failed refreshes in a row, this one
	// included; RetryIn the backoff it started.
	Failures int
	RetryIn  time.Duration
	// Closed: the engine was closed while it ran. A failure is then most
	// likely Close's cancellation: not recorded, not to be reported.
	Closed bool
}

// Request is what a caller found and why that was not enough.
type Request[V any, T comparable] struct {
	// Seen is the value the caller looked at (nil if none) and Level what
	// it can do for the caller.
	Seen  *V
	Level Level
	// Trigger is the reason of a refresh this caller starts. Hold, if not
	// nil, returns until when such a refresh is held back (a cooldown),
	// zero for none; it is read in every snapshot, so that a cooldown a
	// refresh opened just before it ended holds for the callers it wakes.
	Trigger T
	Hold    func() time.Time
}

// Got is what Get hands a caller.
type Got[V any] struct {
	// Value is the value to serve: Seen, or the current one after a
	// refresh or a LookAgain. It may be nil after a refresh that ended
	// without publishing.
	Value *V
	// Again: the value changed since the caller looked; look at Value
	// afresh (it has not been judged).
	Again bool
	// Started: the caller waited for a refresh it started, which
	// succeeded.
	Started bool
}

// Engine refreshes one value; see the package documentation.
type Engine[V any, T comparable] struct {
	cfg Config[V, T]

	cur      atomic.Pointer[V]
	inflight atomic.Pointer[flight[T]]
	// retryAt is the end of the backoff in Unix nanoseconds of cfg.Now,
	// zero while refreshes succeed: read without the lock, written under it.
	retryAt atomic.Int64

	// stopped is closed, readable without the lock: no refresh starts.
	stopped atomic.Bool

	mu       sync.Mutex // serializes starting refreshes, publishing and recording outcomes
	failures int
	lastErr  error
	closed   bool

	// timer starts the planned background refresh (nil until one is
	// planned); planMu serializes planning.
	planMu sync.Mutex
	timer  *time.Timer
	wg     sync.WaitGroup // the refresh in flight and a firing timer
}

// flight is one refresh; done is closed when it ends, and err set before.
type flight[T comparable] struct {
	trigger  T
	deadline time.Time
	cancel   context.CancelFunc
	done     chan struct{}
	err      error
}

// New returns an Engine with no value. It starts nothing: the first
// Publish or Poke plans the background refresh, if cfg.Due is set.
func New[V any, T comparable](cfg Config[V, T]) *Engine[V, T] {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Engine[V, T]{cfg: cfg}
}

// Current returns the value serving now, or nil. It never locks.
func (e *Engine[V, T]) Current() *V { return e.cur.Load() }

// Publish sets the current value to what next returns given the current
// one, under the engine's lock (so that publishers do not interleave), and
// re-plans the background refresh. next may return cur to keep it.
func (e *Engine[V, T]) Publish(next func(cur *V) *V) {
	e.mu.Lock()
	cur := e.cur.Load()
	v := next(cur)
	e.cur.Store(v)
	e.mu.Unlock()
	if v != cur {
		e.Poke()
	}
}

// Drop removes v if it is still the current value: it must no longer
// serve. It reports whether it did.
func (e *Engine[V, T]) Drop(v *V) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.cur.CompareAndSwap(v, nil)
}

// Poke plans the background refresh again: it arms the timer for when
// cfg.Due says, or stops it.
func (e *Engine[V, T]) Poke() {
	if e.cfg.Due == nil {
		return
	}
	e.planMu.Lock()
	defer e.planMu.Unlock()
	if e.stopped.Load() {
		return
	}
	at, ok := e.due(e.cur.Load())
	switch {
	case !ok:
		if e.timer != nil {
			e.timer.Stop()
		}
	case e.timer == nil:
		e.timer = time.AfterFunc(at.Sub(e.cfg.Now()), e.fire)
	default:
		e.timer.Reset(at.Sub(e.cfg.Now()))
	}
}

// Closed reports whether Close has been called.
func (e *Engine[V, T]) Closed() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closed
}

// Close stops the background timer and cancels the refresh in flight,
// and waits for both. The current value stays. Close is idempotent.
func (e *Engine[V, T]) Close() {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	e.closed = true
	e.stopped.Store(true)
	f := e.inflight.Load()
	e.mu.Unlock()
	if f != nil {
		f.cancel()
	}
	e.planMu.Lock()
	if e.timer != nil {
		e.timer.Stop()
	}
	e.planMu.Unlock()
	e.wg.Wait()
}

// Get acts on what the caller found: it serves Seen, starts a refresh
// and serves Seen, waits for a refresh (bounded by ctx and the refresh's
// Timeout), or fails at once with an *Error, as Decide says. A caller
// waits at most once: after a failed refresh it gets Seen if Seen is
// Stale, else the failure. Seen was judged before the wait: a policy
// whose values age (past MaxStale) judges it again.
func (e *Engine[V, T]) Get(ctx context.Context, r Request[V, T]) (Got[V], error) {
	s, f := e.snapshot(&r)
	a := Decide(s)
	started := false
	if a == ServeAndStart || a == StartAndWait {
		// Starting takes the lock: decide again on a snapshot taken under it.
		e.mu.Lock()
		s, f = e.snapshot(&r)
		if a = Decide(s); a == ServeAndStart || a == StartAndWait {
			f, started = e.startLocked(r.Trigger, e.cfg.Now()), true
		}
		e.mu.Unlock()
	}
	switch a {
	case Serve, ServeAndStart:
		return Got[V]{Value: r.Seen}, nil
	case LookAgain:
		return Got[V]{Value: e.cur.Load(), Again: true}, nil
	case Fail:
		return Got[V]{}, e.held(&r, e.cfg.Now())
	}
	select {
	case <-f.done:
	case <-ctx.Done():
		if r.Level == Stale {
			return Got[V]{Value: r.Seen}, nil // the caller gives up: stale will do
		}
		return Got[V]{}, &Error{Reason: GaveUp, RetryAfter: max(0, f.deadline.Sub(e.cfg.Now())), Err: ctx.Err()}
	}
	if f.err == nil {
		return Got[V]{Value: e.cur.Load(), Started: started}, nil
	}
	if r.Level == Stale {
		return Got[V]{Value: r.Seen}, nil
	}
	reason := Failed
	if e.Closed() {
		reason = Closed
	}
	return Got[V]{}, &Error{Reason: reason, RetryAfter: e.retryIn(e.cfg.Now()), Err: f.err}
}

// Refresh refreshes now, whatever the schedule and the backoff, or joins
// the refresh in flight, and returns its error; ctx bounds the wait, not
// the refresh.
func (e *Engine[V, T]) Refresh(ctx context.Context, trigger T) error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return &Error{Reason: Closed}
	}
	f := e.inflight.Load()
	if f == nil {
		f = e.startLocked(trigger, e.cfg.Now())
	}
	e.mu.Unlock()
	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		return &Error{Reason: GaveUp, RetryAfter: max(0, f.deadline.Sub(e.cfg.Now())), Err: ctx.Err()}
	}
}

// snapshot reads the engine's state for r; f is the refresh in flight, if
// any. It reads the clock only when something may hold a refresh back.
// After Close every refresh is held.
func (e *Engine[V, T]) snapshot(r *Request[V, T]) (Snapshot, *flight[T]) {
	f := e.inflight.Load()
	retry := e.retryAt.Load()
	held := e.stopped.Load()
	if !held && f == nil { // with a refresh in flight, Decide does not ask
		var until time.Time
		if r.Hold != nil {
			until = r.Hold()
		}
		if retry != 0 || !until.IsZero() {
			now := e.cfg.Now()
			held = now.UnixNano() < retry || now.Before(until)
		}
	}
	return Snapshot{
		Level:    r.Level,
		Replaced: e.cur.Load() != r.Seen,
		InFlight: f != nil,
		Held:     held,
		Failing:  retry != 0,
		Sync:     e.cfg.Sync,
	}, f
}

// startLocked starts a refresh for trigger; e.mu is held and no refresh
// is in flight.
func (e *Engine[V, T]) startLocked(trigger T, now time.Time) *flight[T] {
	ctx, cancel := context.WithTimeout(context.Background(), e.cfg.Timeout)
	f := &flight[T]{trigger: trigger, deadline: now.Add(e.cfg.Timeout), cancel: cancel, done: make(chan struct{})}
	e.inflight.Store(f)
	e.wg.Add(1)
	go e.run(ctx, f)
	return f
}

// run performs the refresh f and records its outcome: the failure count
// and backoff, then the policy's report, then the waiters.
func (e *Engine[V, T]) run(ctx context.Context, f *flight[T]) {
	defer e.wg.Done()
	defer f.cancel()
	report, err := e.cfg.Refresh(ctx, f.trigger)

	e.mu.Lock()
	out := Outcome[T]{Trigger: f.trigger, Err: err, Closed: e.closed}
	switch {
	case err == nil:
		e.failures, e.lastErr = 0, nil
		e.retryAt.Store(0)
	case !e.closed:
		e.failures++
		e.lastErr = err
		out.Failures = e.failures
		out.RetryIn = e.backoff(e.failures, err)
		e.retryAt.Store(e.cfg.Now().Add(out.RetryIn).UnixNano())
	}
	e.inflight.Store(nil)
	e.mu.Unlock()

	if report != nil {
		report(out)
	}
	f.err = err
	close(f.done)
	e.Poke()
}

// backoff is the wait after the n-th failure in a row.
func (e *Engine[V, T]) backoff(n int, err error) time.Duration {
	d := e.cfg.MinBackoff
	for i := 1; i < n && d < e.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, e.cfg.MaxBackoff)
	d += time.Duration(rand.Int64N(int64(d)/5 + 1))
	if e.cfg.EmptyBackoff > 0 && e.cur.Load() == nil {
		d = min(d, e.cfg.EmptyBackoff)
	}
	if e.cfg.RetryAfter != nil {
		if ra := min(e.cfg.RetryAfter(err), e.cfg.MaxRetryAfter); ra > d {
			d = ra
		}
	}
	return d
}

// held is the failure of a caller that may not start a refresh.
func (e *Engine[V, T]) held(r *Request[V, T], now time.Time) error {
	e.mu.Lock()
	last, closed := e.lastErr, e.closed
	e.mu.Unlock()
	if closed {
		return &Error{Reason: Closed}
	}
	wait := e.retryIn(now)
	if r.Hold != nil {
		if d := r.Hold().Sub(now); d > wait {
			wait = d
		}
	}
	return &Error{Reason: Held, RetryAfter: wait, Err: last}
}

// retryIn is how long the backoff lasts from now.
func (e *Engine[V, T]) retryIn(now time.Time) time.Duration {
	if r := e.retryAt.Load(); r != 0 {
		return max(0, time.Unix(0, r).Sub(now))
	}
	return 0
}

// fire is the timer's: it starts the background refresh of the current
// value if it is due, else plans again (the plan changed, or the clock is
// early). The refresh's end plans the next one.
func (e *Engine[V, T]) fire() {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	e.wg.Add(1) // Close waits for this call
	e.mu.Unlock()
	defer e.wg.Done()
	// One value is judged and handed to Get: if another is published
	// meanwhile, Get looks again instead of refreshing the new one.
	v := e.cur.Load()
	if at, ok := e.due(v); !ok || e.cfg.Now().Before(at) {
		e.Poke()
		return
	}
	_, _ = e.Get(context.Background(), Request[V, T]{Seen: v, Level: Due, Trigger: e.cfg.Background})
	if e.inflight.Load() == nil {
		e.Poke() // nothing started (the value changed meanwhile): plan anew
	}
}

// due is when the background refresh of v, the current value, is due;
// false while a refresh is in flight (its end re-plans) or cfg.Due says
// none.
func (e *Engine[V, T]) due(v *V) (time.Time, bool) {
	if e.inflight.Load() != nil {
		return time.Time{}, false
	}
	var retry time.Time
	if r := e.retryAt.Load(); r != 0 {
		retry = time.Unix(0, r)
	}
	at, ok := e.cfg.Due(v, retry)
	if ok && at.Before(retry) {
		at = retry // a Due that forgot the backoff must not make the loop spin
	}
	return at, ok
}
