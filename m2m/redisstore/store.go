package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/jwtguard/jwtguard/internal/redislock"
	"github.com/jwtguard/jwtguard/internal/tokenflight"
	"github.com/jwtguard/jwtguard/m2m"
)

// ErrUnsealed is reported (never returned) for a stored value that cannot
// be opened with the key: another key, or damage. It counts as no token.
var ErrUnsealed = errors.New("redisstore: stored token cannot be opened with this key")

// Store is an m2m.Store in Redis.
type Store struct {
	cfg    Config
	client redis.UniversalClient
	// calls bounds each call of client by cfg.Timeout, and takes and
	// releases the mint locks.
	calls  redislock.Bounded
	sealer sealer
	// flights are this process's Fetches in progress, by key.
	flights tokenflight.Group[*m2m.Token]
}

var _ m2m.Store = (*Store)(nil)

// New validates cfg and returns a Store. It does not contact Redis.
func New(cfg Config) (*Store, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s, err := newSealer(cfg.Key)
	if err != nil {
		return nil, err
	}
	return &Store{
		cfg:    cfg,
		client: cfg.Client,
		calls:  redislock.Bounded{Client: cfg.Client, Timeout: cfg.Timeout},
		sealer: s,
	}, nil
}

// get returns the token stored under rk, nil if there is none or it
// cannot be opened (reported), or Redis's error.
func (s *Store) get(ctx context.Context, rk string, report func(error)) (*m2m.Token, error) {
	ctx, cancel := s.calls.Context(ctx)
	defer cancel()
	b, err := s.client.Get(ctx, rk).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("redisstore: reading a token: %w", err)
	}
	plain, err := s.sealer.open(rk, b)
	if err != nil {
		report(err)
		return nil, nil
	}
	var t m2m.Token
	if err := json.Unmarshal(plain, &t); err != nil || t.AccessToken == "" {
		report(fmt.Errorf("%w: not a token", ErrUnsealed))
		return nil, nil
	}
	return &t, nil
}

// put stores t under rk, sealed, until its expiry by the store's clock;
// a token that has expired by then is not stored. It runs even when ctx
// is done: the token was minted at a cost, and the others may use it.
func (s *Store) put(ctx context.Context, rk string, t *m2m.Token) error {
	ttl := t.Expiry.Sub(s.cfg.Now())
	if ttl < time.Millisecond {
		return nil // nothing worth sharing
	}
	plain, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("redisstore: encoding a token: %w", err)
	}
	ctx, cancel := s.calls.Detached(ctx)
	defer cancel()
	if err := s.client.Set(ctx, rk, s.sealer.seal(rk, plain), ttl).Err(); err != nil {
		return fmt.Errorf("redisstore: storing a token: %w", err)
	}
	return nil
}
