// Package share is the one protocol by which the processes (and the
// goroutines of one process) that share a store produce a value once
// between them: get → lock → recheck → produce → share, or wait for the
// holder of the lock. Package cache uses it for JWKS documents and
// package m2m for tokens, each over a storage-shaped Store (Redis, or
// memory) that holds records and locks and calls nobody back.
//
// One waiting rule: a caller that finds the lock held waits for the
// holder's value — woken when the store can tell it the lock was
// released, else polling from 10 ms doubling to 100 ms — takes the lock
// over if it is released without a value, and after WaitFor (at most half
// of its context's time left) gives up waiting, produces for itself and
// shares that. When the store fails, the caller produces without it. Every
// wait is bounded by the caller's context.
//
// Do is safe for concurrent use; it starts no goroutine.
package share

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrBadRecord is what a Store's Get wraps for a record it holds but
// that must not serve (garbage, another key's seal, another version). Do
// reports it once and replaces the record with what it produces.
var ErrBadRecord = errors.New("the shared record cannot be used")

// Store holds the records and locks that callers share. Implementations
// are safe for concurrent use.
type Store[V any] interface {
	// Get returns the record under key, nil if there is none, or an error:
	// one wrapping ErrBadRecord for a record that must not serve, any other
	// for a store that cannot be used.
	Get(ctx context.Context, key string) (*V, error)
	// Lock tries once to take the lock of key, which lasts until Unlock or
	// the store's lock TTL. It returns the owner token that releases it, or
	// "" and, if the store can tell, a channel that is closed when the
	// holder releases it (nil: poll).
	Lock(ctx context.Context, key string) (owner string, released <-chan struct{}, err error)
	// Unlock releases the lock of key if owner still holds it. Its ctx
	// carries no cancellation: bound the call yourself.
	Unlock(ctx context.Context, key, owner string) error
	// Put shares v under key. Its ctx carries no cancellation either.
	Put(ctx context.Context, key string, v *V) error
}

// Options are one call's policy.
type Options[V any] struct {
	// Fresh reports whether a shared value will do. Required.
	Fresh func(*V) bool
	// Produce makes the value (fetches a document, mints a token).
	// Required. A value that Shareable refuses is returned but not shared.
	Produce func(ctx context.Context) (*V, error)
	// Shareable reports whether a produced value may be shared. Nil: all.
	Shareable func(*V) bool
	// Report receives the store's failures and the bad records found; the
	// call goes on without them. Nil: ignored.
	Report func(error)
	// WaitFor bounds the wait for another holder's value; half of ctx's
	// time left bounds it too, so that a value of one's own still has time.
	// LockTimeout is the error reported when it passes: the caller then
	// produces for itself.
	WaitFor     time.Duration
	LockTimeout error
}

// A caller waiting on a store that cannot tell when a lock is released
// polls it from minPoll, doubling up to maxPoll.
const (
	minPoll = 10 * time.Millisecond
	maxPoll = 100 * time.Millisecond
)

// Do returns a fresh shared value for key, or the value it produced (and
// shared) holding the lock, or the value it produced without the store
// when the store failed or the holder kept it waiting too long. produced
// says whether Produce ran in this call. Once ctx is done, Do returns an
// error wrapping ctx's, produces nothing and reports nothing.
func Do[V any](ctx context.Context, st Store[V], key string, o Options[V]) (v *V, produced bool, err error) {
	report := o.Report
	if report == nil {
		report = func(error) {}
	}
	badReported := false
	get := func() (*V, error) {
		v, err := st.Get(ctx, key)
		if errors.Is(err, ErrBadRecord) {
			if !badReported {
				badReported = true
				report(err)
			}
			return nil, nil // replaced by what is produced under the lock
		}
		return v, err
	}
	// alone produces without the lock: the store failed (err), or the
	// holder kept us waiting too long — then the store works, and what we
	// produce is shared for the others.
	alone := func(err error, put bool) (*V, bool, error) {
		if ctx.Err() != nil {
			return nil, false, fmt.Errorf("%w", context.Cause(ctx))
		}
		report(err)
		v, err := o.Produce(ctx)
		if err == nil && put && (o.Shareable == nil || o.Shareable(v)) {
			if err := st.Put(context.WithoutCancel(ctx), key, v); err != nil {
				report(err)
			}
		}
		return v, true, err
	}

	waitUntil := time.Now().Add(o.WaitFor)
	if d, ok := ctx.Deadline(); ok {
		if half := time.Now().Add(time.Until(d) / 2); half.Before(waitUntil) {
			waitUntil = half
		}
	}
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for delay := minPoll; ; delay = min(2*delay, maxPoll) {
		v, err := get()
		switch {
		case err != nil:
			return alone(err, false)
		case v != nil && o.Fresh(v):
			return v, false, nil
		}
		owner, released, err := st.Lock(ctx, key)
		if err != nil {
			return alone(err, false)
		}
		if owner != "" {
			return produceLocked(ctx, st, key, owner, o, get, report)
		}
		left := time.Until(waitUntil)
		if left <= 0 {
			return alone(fmt.Errorf("%w (key %s)", o.LockTimeout, key), true)
		}
		if timer == nil {
			timer = time.NewTimer(min(delay, left))
		} else {
			timer.Reset(min(delay, left))
		}
		if released != nil {
			timer.Reset(left) // woken by the release, or at the deadline
		}
		select {
		case <-released:
		case <-timer.C:
		case <-ctx.Done():
			return nil, false, fmt.Errorf("waiting for another holder's value: %w", context.Cause(ctx))
		}
	}
}

// produceLocked produces and shares holding the lock, and releases it.
// Unlock and Put run without ctx's cancellation: the others should not
// wait for the lock to expire, and the value was produced at a cost.
func produceLocked[V any](ctx context.Context, st Store[V], key, owner string, o Options[V],
	get func() (*V, error), report func(error)) (*V, bool, error) {
	detached := context.WithoutCancel(ctx)
	defer func() {
		if err := st.Unlock(detached, key, owner); err != nil && ctx.Err() == nil {
			report(err)
		}
	}()
	// The previous holder may have shared between our look and our lock.
	v, err := get()
	switch {
	case ctx.Err() != nil:
		return nil, false, fmt.Errorf("%w", context.Cause(ctx))
	case err != nil:
		report(err) // the store failed under our lock: produce all the same
	case v != nil && o.Fresh(v):
		return v, false, nil
	}
	v, err = o.Produce(ctx)
	if err != nil {
		return nil, true, err
	}
	if o.Shareable == nil || o.Shareable(v) {
		if err := st.Put(detached, key, v); err != nil {
			report(err)
		}
	}
	return v, true, nil
}
