package redisstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jwtguard/jwtguard/m2m"
)

// flight is this process's trip through Redis for one key; done is closed
// when it ends, and then tok or err is set.
type flight struct {
	done chan struct{}
	tok  *m2m.Token
	err  error
	// ctxDone: the leader's own context was done when it failed, so err
	// is most likely that context's error, not the token endpoint's.
	ctxDone bool
}

// errFetchPanicked is what waiters get when the Fetch they waited for
// panicked (in mint).
var errFetchPanicked = errors.New("redisstore: fetch panicked")

// Fetch implements m2m.Store: the stored token if usable accepts it; else,
// under the key's Redis lock, the result of mint, stored until its
// expiry; else, while another process holds the lock, what it stores once
// done (or, if it gives up, a mint of our own). Waiting is bounded by ctx.
//
// Concurrent Fetches of one key in this process share one such trip: the
// first goes to Redis (and may call its mint), the others wait for it,
// bounded by their ctx, and get its result, token or error — usable and
// report are the first one's. If it failed because its own ctx ended,
// they do not take that error: a waiter whose ctx is still live tries
// again, going to Redis itself if nobody else does.
func (s *Store) Fetch(ctx context.Context, key string, usable func(*m2m.Token) bool, mint m2m.MintFunc, report func(error)) (*m2m.Token, error) {
	for {
		s.mu.Lock()
		f, ok := s.flights[key]
		if !ok {
			f = &flight{done: make(chan struct{})}
			s.flights[key] = f
			s.mu.Unlock()
			return s.lead(ctx, key, f, usable, mint, report)
		}
		s.mu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, fmt.Errorf("redisstore: waiting for a token: %w", ctx.Err())
		}
		if f.ctxDone && ctx.Err() == nil {
			continue // the leader gave up, not the endpoint: try again
		}
		return f.tok, f.err
	}
}

// lead runs the flight f of key and publishes its result.
func (s *Store) lead(ctx context.Context, key string, f *flight, usable func(*m2m.Token) bool, mint m2m.MintFunc, report func(error)) (*m2m.Token, error) {
	defer func() {
		// Deferred, so that waiters are released even if mint panics.
		s.mu.Lock()
		delete(s.flights, key)
		s.mu.Unlock()
		close(f.done)
	}()
	f.err = errFetchPanicked
	f.tok, f.err = s.fetch(ctx, key, usable, mint, report)
	f.ctxDone = f.err != nil && ctx.Err() != nil
	return f.tok, f.err
}
