package redisstore

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/jwtguard/jwtguard/cache"
)

// Lock implements cache.Store: SET NX PX of the fetch lock of url, for
// LockTTL. It returns "" while another replica holds the lock, and no
// channel: the cache polls for that replica's document.
func (s *Store) Lock(ctx context.Context, url string) (string, <-chan struct{}, error) {
	if s.isClosed() {
		return "", nil, errClosed
	}
	key := lockKey(s.key(url))
	owner, err := s.calls.Lock(ctx, key, s.cfg.LockTTL)
	if err != nil {
		return "", nil, fmt.Errorf("redisstore: taking lock %s: %w", key, s.calls.Explain(err))
	}
	if owner == "" && s.onWait != nil {
		s.onWait()
	}
	return owner, nil, nil
}

// Unlock implements cache.Store: it releases the fetch lock of url if
// owner still holds it, even when ctx is done, so that waiting replicas
// do not wait for the lock to expire.
func (s *Store) Unlock(ctx context.Context, url, owner string) error {
	key := lockKey(s.key(url))
	if err := s.calls.Unlock(ctx, key, owner); err != nil {
		return fmt.Errorf("redisstore: releasing lock %s: %w", key, s.calls.Explain(err))
	}
	return nil
}

// Put implements cache.Store: it stores doc for DocumentTTL and tells the
// other replicas, even when ctx is done (the document was fetched at a
// cost). A document that is not for url or has no JWKS body is refused.
func (s *Store) Put(ctx context.Context, url string, doc *cache.Document) error {
	if s.isClosed() {
		return errClosed
	}
	key := s.key(url)
	if doc.URL != url {
		return fmt.Errorf("redisstore: not sharing %s: the document is for %q", key, doc.URL)
	}
	if err := checkBody(doc.Body); err != nil {
		return fmt.Errorf("redisstore: not sharing %s: %w", key, err)
	}
	b, err := encode(doc)
	if err != nil {
		return fmt.Errorf("redisstore: encoding %s: %w", key, err)
	}
	ctx, cancel := s.calls.Detached(ctx)
	defer cancel()
	_, err = s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, key, s.seal.Seal(key, b), s.cfg.DocumentTTL)
		p.Publish(ctx, channel(key), s.id)
		return nil
	})
	if err != nil {
		return fmt.Errorf("redisstore: sharing %s: %w", key, s.calls.Explain(err))
	}
	return nil
}
