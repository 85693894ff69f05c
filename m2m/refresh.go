package m2m

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// ended is the done channel of a flight that had already ended.
var ended = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// Bounds of the backoff after failed refreshes (a Retry-After may be
// longer, up to an hour).
const (
	minBackoff = time.Second
	maxBackoff = time.Minute
)

// flight is one refresh; done is closed when it ends, and then held (on
// success) or err is set.
type flight struct {
	done   chan struct{}
	cancel context.CancelFunc
	minted atomic.Bool // the token endpoint was called, not just the store read
	held   *held
	err    error
}

// start starts a refresh, or returns the one in flight, or — when a
// refresh ended between the caller's look at the token and here — a
// finished flight holding its token; started says whether it started one.
func (s *TokenSource) start(trigger Trigger) (f *flight, started bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, false, ErrClosed
	}
	if f := s.inflight.Load(); f != nil {
		return f, false, nil
	}
	if h := s.cur.Load(); h != nil {
		now, end := s.cfg.Now(), h.stop
		if trigger == TriggerBackground {
			end = h.due
		}
		if now.Before(end) {
			return &flight{done: ended, held: h}, false, nil
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.Timeout)
	f = &flight{done: make(chan struct{}), cancel: cancel}
	s.inflight.Store(f)
	s.wg.Add(1)
	go s.run(ctx, f, trigger)
	return f, true, nil
}

// run obtains a token through the store — read if another source shared
// one that is not due yet, else minted — and publishes the outcome.
func (s *TokenSource) run(ctx context.Context, f *flight, trigger Trigger) {
	defer s.wg.Done()
	defer f.cancel()
	begin := s.cfg.Now()
	usable := func(t *Token) bool { return s.cfg.Now().Before(t.Due(s.cfg.Threshold)) }
	mint := func(ctx context.Context) (*Token, error) {
		f.minted.Store(true)
		t, a, err := exchange(ctx, s.cc, s.client, s.cfg.Now, s.cfg.AssumedLifetime)
		if q := quotas(a.header); len(q) > 0 {
			s.quota.Store(&q)
			if h := s.cfg.Hooks; h != nil {
				h.QuotaReported(s.cfg.Name, q)
			}
		}
		if err == nil && t.expiredOnArrival() {
			// Handed out, it would fail every request it went on; kept,
			// it would be minted again on every call. A failure backs off.
			return nil, &ExchangeError{Status: a.status, Err: errExpiredOnArrival}
		}
		return t, err
	}
	tok, err := fetchToken(ctx, s.store, s.key, usable, mint, s.storeFailed)

	ev := RefreshEvent{Source: s.cfg.Name, Trigger: trigger, Result: ResultShared, Duration: s.cfg.Now().Sub(begin)}
	if f.minted.Load() {
		ev.Result = ResultMinted
	}
	s.mu.Lock()
	// A refresh that failed once Close had been called was most likely
	// canceled by it: no failure to back off from, log or report.
	canceled := err != nil && s.closed
	switch {
	case err == nil:
		f.held = newHeld(tok, s.cfg.Threshold)
		s.cur.Store(f.held)
		s.failures, s.lastErr = 0, nil
		s.retryAt.Store(0)
	case canceled:
		f.err = fmt.Errorf("%w: %w", ErrClosed, err)
	default:
		s.failures++
		s.lastErr = err
		wait := backoff(s.failures, err)
		s.retryAt.Store(s.cfg.Now().Add(wait).UnixNano())
		f.err = err
		ev.Result, ev.Err = ResultError, err
		if xe := (*ExchangeError)(nil); errors.As(err, &xe) {
			ev.Status = xe.Status
		}
		s.cfg.Logger.Warn("m2m: token refresh failed", "source", s.cfg.Name, "trigger", string(trigger),
			"failures", s.failures, "retry_in", wait, "err", err)
	}
	s.inflight.Store(nil)
	s.mu.Unlock()

	// Reported before the waiters wake, so that a caller that has its
	// token sees the refresh in the metrics already.
	if !canceled {
		if err == nil {
			s.cfg.Logger.Debug("m2m: token refreshed", "source", s.cfg.Name, "trigger", string(trigger),
				"result", string(ev.Result), "expiry", tok.Expiry)
		}
		if h := s.cfg.Hooks; h != nil {
			h.TokenRefreshed(ev)
		}
	}
	close(f.done)
	s.poke()
}

func (s *TokenSource) storeFailed(err error) {
	s.cfg.Logger.Warn("m2m: store failed; requesting the token without it", "source", s.cfg.Name, "err", err)
	if h := s.cfg.Hooks; h != nil {
		h.TokenStoreFailed(s.cfg.Name, err)
	}
}

// backoff is the wait after the n-th failure in a row: exponential from
// minBackoff to maxBackoff with ±10% jitter, or the answer's Retry-After if
// that is longer.
func backoff(n int, err error) time.Duration {
	d := maxBackoff
	if n <= 7 {
		d = min(minBackoff<<(n-1), maxBackoff)
	}
	d = time.Duration(float64(d) * (0.9 + 0.2*rand.Float64()))
	if xe := (*ExchangeError)(nil); errors.As(err, &xe) && xe.RetryAfter > d {
		d = xe.RetryAfter
	}
	return d
}

// errExpiredOnArrival is the cause of the *ExchangeError a TokenSource
// returns for a token whose expires_in was zero or negative.
var errExpiredOnArrival = errors.New("m2m: the token endpoint issued a token that has already expired (expires_in zero or negative)")

// background refreshes the token at its due time (or after a failure, at
// the end of the backoff) if it has been handed out since it was obtained,
// and only while it is still valid: once it has expired, the next caller
// starts the refresh, so that an idle source whose endpoint keeps failing
// stops calling it.
func (s *TokenSource) background() {
	defer s.wg.Done()
	t := time.NewTimer(time.Hour)
	t.Stop()
	for {
		if at, ok := s.nextRefresh(); ok {
			t.Reset(at.Sub(s.cfg.Now()))
		}
		select {
		case <-s.done:
			t.Stop()
			return
		case <-s.wake:
			t.Stop()
			continue
		case <-t.C:
		}
		if at, ok := s.nextRefresh(); ok && !s.cfg.Now().Before(at) {
			if _, _, err := s.start(TriggerBackground); err != nil {
				return // closed
			}
		}
	}
}

// nextRefresh returns when the background refresh should run; false means
// wait for a poke: a refresh in flight, no token yet, a token nobody has
// used (an idle source spends no quota), or a token that is no longer
// handed out by then (past its expiry, the next caller refreshes).
func (s *TokenSource) nextRefresh() (time.Time, bool) {
	h := s.cur.Load()
	if s.inflight.Load() != nil || h == nil || !h.used.Load() {
		return time.Time{}, false
	}
	at := h.due
	if r := s.retryAt.Load(); r != 0 && time.Unix(0, r).After(at) {
		at = time.Unix(0, r)
	}
	if !at.Before(h.stop) || !s.cfg.Now().Before(h.stop) {
		return time.Time{}, false
	}
	return at, true
}

// poke asks the background goroutine to re-plan.
func (s *TokenSource) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}
