package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/jwtguard/jwtguard/cache"
)

// Polling while another replica fetches starts at minPoll and doubles up
// to maxPoll.
const (
	minPoll = 10 * time.Millisecond
	maxPoll = 100 * time.Millisecond
)

// Fetch implements cache.Store. It returns the shared document for url if
// it was fetched after the given time. Otherwise it takes the fetch lock,
// calls fetch and shares the result (stores it and publishes a notice);
// while another replica holds the lock it polls for that replica's document,
// taking the lock over if it is released or expires without one, and
// fetches for itself after LockTTL or half of ctx's remaining time.
//
// When Redis fails or times out, Fetch reports the error (report may be
// nil) and calls fetch without sharing. A document in Redis that must not
// serve is reported and replaced.
func (s *Store) Fetch(ctx context.Context, url string, after time.Time, fetch cache.FetchFunc, report func(error)) (*cache.Document, error) {
	if report == nil {
		report = func(error) {}
	}
	if s.isClosed() {
		report(ErrClosed)
		return fetch(ctx)
	}
	key := s.Key(url)
	waitUntil := s.waitDeadline(ctx)
	reported := false
	for delay := minPoll; ; delay = min(2*delay, maxPoll) {
		doc, err := s.get(ctx, key, url)
		switch {
		case errors.Is(err, ErrInvalidDocument):
			// Redis works but holds garbage: report it once, then fetch
			// under the lock and overwrite it.
			if !reported {
				report(err)
				reported = true
			}
		case err != nil:
			return s.fallback(ctx, err, fetch, report)
		case doc != nil && doc.FetchedAt.After(after):
			return doc, nil
		}

		token, err := s.lock(ctx, key)
		if err != nil {
			return s.fallback(ctx, err, fetch, report)
		}
		if token != "" {
			return s.fetchLocked(ctx, key, url, after, token, fetch, report)
		}

		// Another replica is fetching: wait for its document.
		left := time.Until(waitUntil)
		if left <= 0 {
			report(fmt.Errorf("%w (key %s)", ErrLockTimeout, key))
			return fetch(ctx)
		}
		if delay == minPoll && s.onWait != nil {
			s.onWait()
		}
		t := time.NewTimer(min(delay, left))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("redisstore: waiting for another replica's fetch: %w", context.Cause(ctx))
		}
	}
}

// fallback reports err, a failed Redis call, and fetches without sharing;
// unless the call failed because ctx is done, which is not Redis's fault
// and leaves no time to fetch.
func (s *Store) fallback(ctx context.Context, err error, fetch cache.FetchFunc, report func(error)) (*cache.Document, error) {
	if ctx.Err() != nil {
		return nil, fmt.Errorf("redisstore: %w", context.Cause(ctx))
	}
	report(err)
	return fetch(ctx)
}

// waitDeadline is how long a Fetch may wait for another replica: LockTTL,
// but no more than half of ctx's remaining time, so that a fetch of its own
// still has time to run.
func (s *Store) waitDeadline(ctx context.Context) time.Time {
	now := time.Now()
	until := now.Add(s.cfg.LockTTL)
	if d, ok := ctx.Deadline(); ok {
		if half := now.Add(d.Sub(now) / 2); half.Before(until) {
			until = half
		}
	}
	return until
}

// fetchLocked fetches and shares under the lock held with token, and
// releases it.
func (s *Store) fetchLocked(ctx context.Context, key, url string, after time.Time, token string,
	fetch cache.FetchFunc, report func(error)) (*cache.Document, error) {
	defer s.unlock(ctx, key, token, report)
	// The previous holder may have shared between our read and our lock.
	if doc, err := s.get(ctx, key, url); err == nil && doc != nil && doc.FetchedAt.After(after) {
		return doc, nil
	}
	doc, err := fetch(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.share(ctx, key, url, doc); err != nil {
		report(err)
	}
	return doc, nil
}

// lock tries to take the fetch lock of key; it returns the token that
// releases it, or "" if another replica holds it.
func (s *Store) lock(ctx context.Context, key string) (string, error) {
	token, err := s.calls.Lock(ctx, lockKey(key), s.cfg.LockTTL)
	if err != nil {
		return "", fmt.Errorf("redisstore: taking lock %s: %w", lockKey(key), err)
	}
	return token, nil
}

// unlock releases the lock if it still holds token. It runs even when ctx
// is done: waiting replicas should not wait for the lock to expire.
func (s *Store) unlock(ctx context.Context, key, token string, report func(error)) {
	if err := s.calls.Unlock(ctx, lockKey(key), token); err != nil {
		report(fmt.Errorf("redisstore: releasing lock %s: %w", lockKey(key), err))
	}
}

// share stores doc under key and tells the other replicas. A document that
// is not for url or has no JWKS body is not shared (the cache refuses it).
func (s *Store) share(ctx context.Context, key, url string, doc *cache.Document) error {
	if doc.URL != url || checkBody(doc.Body) != nil {
		return nil // not for sharing; the cache refuses it too
	}
	b, err := encode(doc)
	if err != nil {
		return fmt.Errorf("redisstore: encoding %s: %w", key, err)
	}
	ctx, cancel := s.calls.Detached(ctx)
	defer cancel()
	_, err = s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, key, b, s.cfg.DocumentTTL)
		p.Publish(ctx, channel(key), s.id)
		return nil
	})
	if err != nil {
		return fmt.Errorf("redisstore: sharing %s: %w", key, err)
	}
	return nil
}
