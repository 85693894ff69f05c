package redistoken

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/jwtguard/jwtguard/internal/redislock"
	"github.com/jwtguard/jwtguard/m2m"
)

// badRecord is Get's error for a stored value that is no token of this
// store's (sealed under another key, damaged, or not a sealed token): it
// wraps m2m.ErrBadRecord, so it counts as no token, is reported, and is
// replaced by the next mint.
func badRecord(why string) error {
	return fmt.Errorf("redistoken: the stored token %s: %w", why, m2m.ErrBadRecord)
}

// store is an m2m.Store in Redis.
type store struct {
	cfg    Config
	client redis.UniversalClient
	// calls bounds each call of client by cfg.Timeout, and takes and
	// releases the mint locks.
	calls  redislock.Bounded
	sealer sealer
}

// New validates cfg and returns an m2m.Store in Redis, for Config.Store
// and ProxyConfig.Store of package m2m. It does not contact Redis.
func New(cfg Config) (m2m.Store, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s, err := newSealer(cfg.Key)
	if err != nil {
		return nil, err
	}
	return &store{
		cfg:    cfg,
		client: cfg.Client,
		calls:  redislock.NewBounded(cfg.Client, cfg.Timeout),
		sealer: s,
	}, nil
}

// Get implements m2m.Store: the token stored under key, nil if there is
// none, an error wrapping m2m.ErrBadRecord for a value that cannot be
// opened, or Redis's error.
func (s *store) Get(ctx context.Context, key string) (*m2m.Token, error) {
	rk := s.cfg.Prefix + key
	b, found, err := s.calls.Get(ctx, rk)
	if err != nil {
		return nil, fmt.Errorf("redistoken: reading a token: %w", err)
	}
	if !found {
		return nil, nil
	}
	plain, err := s.sealer.open(rk, b)
	if err != nil {
		return nil, err
	}
	var t m2m.Token
	if err := json.Unmarshal(plain, &t); err != nil || t.AccessToken == "" {
		return nil, badRecord("is not a token")
	}
	return &t, nil
}

// Lock implements m2m.Store: SET NX PX of the key's mint lock, for
// LockTTL. While another process holds it, the caller polls.
func (s *store) Lock(ctx context.Context, key string) (string, <-chan struct{}, error) {
	owner, err := s.calls.Lock(ctx, s.cfg.Prefix+key+":lock", s.cfg.LockTTL)
	if err != nil {
		return "", nil, fmt.Errorf("redistoken: taking the lock: %w", s.calls.Explain(err))
	}
	return owner, nil, nil
}

// Unlock implements m2m.Store: it releases the key's mint lock if owner
// still holds it, even when ctx is done.
func (s *store) Unlock(ctx context.Context, key, owner string) error {
	if err := s.calls.Unlock(ctx, s.cfg.Prefix+key+":lock", owner); err != nil {
		return fmt.Errorf("redistoken: releasing the lock: %w", s.calls.Explain(err))
	}
	return nil
}

// Put implements m2m.Store: it stores t under key, sealed, for what is
// left of its lifetime by time.Now (the clock the sources and proxies
// read), as a Redis TTL; a token that has expired by then is not stored. It runs even when ctx is done: the token was minted at a cost,
// and the others may use it.
func (s *store) Put(ctx context.Context, key string, t *m2m.Token) error {
	rk := s.cfg.Prefix + key
	ttl := time.Until(t.Expiry)
	if ttl < time.Millisecond {
		return nil // nothing worth sharing
	}
	plain, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("redistoken: encoding a token: %w", err)
	}
	ctx, cancel := s.calls.Detached(ctx)
	defer cancel()
	if err := s.client.Set(ctx, rk, s.sealer.seal(rk, plain), ttl).Err(); err != nil {
		return fmt.Errorf("redistoken: storing a token: %w", s.calls.Explain(err))
	}
	return nil
}
