package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/redislock"
)

// Store shares JWKS documents between processes through Redis. It
// implements cache.Store; its methods are safe for concurrent use. Create it
// with New and stop its goroutines with Close.
type Store struct {
	cfg    Config
	client redis.UniversalClient
	// calls bounds each call of client by cfg.Timeout, and takes and
	// releases the fetch locks.
	calls redislock.Bounded
	// seal seals and opens the records.
	seal redislock.Sealer
	// id tells this Store's notices from other processes' ones.
	id string
	// onWait, if set, is called each time Lock finds the lock held: a
	// refresh waits, or goes on waiting, for another replica's fetch
	// (tests use it).
	onWait func()
	// onDispatch, if set, is called when a notice or subscription reaches
	// the watchers of a channel (tests use it).
	onDispatch func(channel string)

	// subMu serializes subscription changes, so that Redis sees SUBSCRIBE
	// and UNSUBSCRIBE for a channel in the order the watchers changed.
	subMu    sync.Mutex
	mu       sync.Mutex                       // guards the fields below
	watchers map[string]map[*watcher]struct{} // by channel
	ps       *redis.PubSub                    // the subscription of the running session
	started  bool                             // the listener runs
	closed   bool
	done     chan struct{} // closed by Close
	wg       sync.WaitGroup
}

var _ cache.Store = (*Store)(nil)

// New validates cfg and returns a Store. It makes no Redis call, so it
// succeeds while Redis is down; the first Watch starts the goroutine that
// receives notices, which Close stops.
func New(cfg Config) (*Store, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	seal, err := redislock.NewSealer(cfg.Secret, cfg.InsecureTrustRedis)
	if err != nil {
		return nil, fmt.Errorf("redisstore: %w", err)
	}
	return &Store{
		cfg:      cfg,
		client:   cfg.Client,
		calls:    redislock.NewBounded(cfg.Client, cfg.Timeout),
		seal:     seal,
		id:       redislock.Token(),
		watchers: make(map[string]map[*watcher]struct{}),
		done:     make(chan struct{}),
	}, nil
}

// Close stops the Store's goroutines and watchers, waiting for a callback
// that is running. Get, Lock, Put and Watch fail afterwards (the cache
// still fetches). It does not close the Redis client. Close is idempotent
// and always returns nil.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	ps := s.ps
	var ws []*watcher
	for _, set := range s.watchers {
		for w := range set {
			ws = append(ws, w)
		}
	}
	s.mu.Unlock()
	if ps != nil {
		_ = ps.Close() // ends the session's receive
	}
	s.wg.Wait()
	for _, w := range ws {
		w.stop()
	}
	return nil
}

// key returns the Redis key that holds the document of url: Prefix and the
// hex SHA-256 of url. The fetch lock is key(url)+":lock" and notices go to
// the channel key(url)+":notice".
func (s *Store) key(url string) string {
	sum := sha256.Sum256([]byte(url))
	return s.cfg.Prefix + hex.EncodeToString(sum[:])
}

func lockKey(key string) string { return key + ":lock" }
func channel(key string) string { return key + ":notice" }

// Get returns the document shared for url, or nil if there is none. A
// stored document that must not serve — not sealed with the fleet's
// secret, of another version or URL, fetched in the future, without a
// JWKS body — is returned as an error wrapping cache.ErrBadRecord, never
// as a document.
func (s *Store) Get(ctx context.Context, url string) (*cache.Document, error) {
	if s.isClosed() {
		return nil, errClosed
	}
	return s.get(ctx, s.key(url), url)
}

func (s *Store) get(ctx context.Context, key, url string) (*cache.Document, error) {
	b, found, err := s.calls.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("redisstore: reading %s: %w", key, err)
	}
	if !found {
		return nil, nil
	}
	record, ok := s.seal.Open(key, b)
	if !ok {
		return nil, fmt.Errorf("%w: not authenticated with the fleet's secret (written without Config.Secret, with another one, or by someone else; key %s)", errInvalidDocument, key)
	}
	doc, err := decode(record, url, time.Now())
	if err != nil {
		return nil, fmt.Errorf("%w (key %s)", err, key)
	}
	return doc, nil
}

func (s *Store) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}
