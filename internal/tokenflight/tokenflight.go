// Package tokenflight collapses concurrent requests for one token into
// one: m2m's Proxy uses a Group so that identical requests in flight make
// one trip to its Store (and at most one token request) between them and
// share its outcome, token or error.
//
// Unlike golang.org/x/sync/singleflight, a waiter is bounded by its own
// context, and does not take the error of a call that failed because the
// caller running it gave up (its context ended): the waiter, whose
// context is live, runs the call again itself. The errors it makes are
// m2m's, as its callers see them.
//
// A Group is safe for concurrent use and starts no goroutine.
package tokenflight

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// ErrPanicked is what the waiters of a call get when the function it ran
// panicked; the panic itself goes on in the caller that ran it.
var ErrPanicked = errors.New("m2m: the token request waited for panicked")

// Group runs one call per key at a time. The zero Group is ready to use.
type Group[T any] struct {
	mu    sync.Mutex
	calls map[string]*call[T]
}

// call is one run of a function for a key; done is closed when it ends,
// and then val or err is set.
type call[T any] struct {
	done chan struct{}
	val  T
	err  error
	// ctxDone: the caller running it had its context end before it
	// failed, so err is most likely that context's error, not the
	// endpoint's answer.
	ctxDone bool
}

// Do runs fn for key with ctx and returns its result, unless a call for
// key is in flight: then it waits for that call, bounded by ctx, and
// returns its result — except when that call failed after its own
// caller's context had ended, when Do (ctx still live) tries again,
// running fn itself if no other call has started. When ctx ends first, Do
// returns an error wrapping ctx's.
func (g *Group[T]) Do(ctx context.Context, key string, fn func(context.Context) (T, error)) (T, error) {
	for {
		g.mu.Lock()
		c, ok := g.calls[key]
		if !ok {
			c = &call[T]{done: make(chan struct{})}
			if g.calls == nil {
				g.calls = make(map[string]*call[T])
			}
			g.calls[key] = c
			g.mu.Unlock()
			return g.run(ctx, key, c, fn)
		}
		g.mu.Unlock()
		select {
		case <-c.done:
		case <-ctx.Done():
			var zero T
			return zero, fmt.Errorf("m2m: waiting for a token: %w", ctx.Err())
		}
		if c.ctxDone && ctx.Err() == nil {
			continue // the caller running it gave up, not the endpoint: try again
		}
		return c.val, c.err
	}
}

// run runs fn as the call c of key and publishes its result.
func (g *Group[T]) run(ctx context.Context, key string, c *call[T], fn func(context.Context) (T, error)) (T, error) {
	defer func() {
		// Deferred, so that waiters are released even if fn panics.
		g.mu.Lock()
		delete(g.calls, key)
		g.mu.Unlock()
		close(c.done)
	}()
	c.err = ErrPanicked
	c.val, c.err = fn(ctx)
	c.ctxDone = c.err != nil && ctx.Err() != nil
	return c.val, c.err
}
