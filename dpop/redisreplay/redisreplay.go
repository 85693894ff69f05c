// Package redisreplay keeps the DPoP proofs a fleet accepted in Redis, so
// that a proof replayed to another replica is refused too: each accepted
// proof is a key set with SET NX for as long as the proof's window.
//
// When Redis is down, slow or failing, no verification fails because of
// it: each replica checks its own memory instead (a dpop.MemoryReplays)
// and reports the failure. What holds then: a proof is accepted at most
// once per replica, and — if Redis was up when it was first accepted —
// once for the fleet; a proof first sent while Redis is down can be
// replayed once to each other replica within its window.
//
// Redis keys are the prefix and the proof's key thumbprint and jti. Write
// access to Redis is the power to make replicas refuse proofs (by
// planting keys) or accept a replay (by deleting them); it is not the
// power to make a proof valid.
package redisreplay

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/jwtguard/jwtguard/dpop"
	"github.com/jwtguard/jwtguard/internal/redislock"
)

// Defaults of Config.
const (
	DefaultPrefix  = "jwtguard:dpop:"
	DefaultTimeout = 200 * time.Millisecond
)

// Config configures a Store.
type Config struct {
	// Client is the Redis client, created with ContextTimeoutEnabled:
	// true so that Timeout bounds each call. Required.
	Client redis.UniversalClient
	// Prefix of the Redis keys. If empty, DefaultPrefix.
	Prefix string
	// Timeout bounds each Redis call. If zero, DefaultTimeout (200 ms).
	Timeout time.Duration
	// Local is the memory checked while Redis fails, and also on every
	// call (a proof this replica saw is refused without asking Redis).
	// If nil, dpop.NewMemoryReplays(100 000).
	Local *dpop.MemoryReplays
	// Failed, if not nil, is told of every Redis failure (a metric, a
	// log line); the check fell back to Local.
	Failed func(error)
}

// Store is a dpop.Replays in Redis. Safe for concurrent use.
type Store struct {
	cfg   Config
	calls redislock.Bounded
}

var _ dpop.Replays = (*Store)(nil)

// New validates cfg and returns a Store. It makes no Redis call.
func New(cfg Config) (*Store, error) {
	if err := redislock.CheckClient(cfg.Client, "DPoP checks"); err != nil {
		return nil, fmt.Errorf("redisreplay: %w", err)
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	if err := redislock.Defaults(redislock.Setting{Name: "Timeout", V: &cfg.Timeout, Default: DefaultTimeout}); err != nil {
		return nil, fmt.Errorf("redisreplay: %w", err)
	}
	if cfg.Local == nil {
		cfg.Local = dpop.NewMemoryReplays(100_000)
	}
	return &Store{cfg: cfg, calls: redislock.NewBounded(cfg.Client, cfg.Timeout)}, nil
}

// Seen implements dpop.Replays: the proof is recorded in this replica's
// memory and in Redis (SET NX PX until expires); it was seen if either
// had it. When Redis fails, the memory's answer stands.
func (s *Store) Seen(ctx context.Context, key string, expires time.Time) (bool, error) {
	local, _ := s.cfg.Local.Seen(ctx, key, expires)
	if local {
		return true, nil
	}
	ttl := time.Until(expires)
	if ttl < time.Millisecond {
		return false, nil // out of the window already: Verify refuses it
	}
	cctx, cancel := s.calls.Context(ctx)
	defer cancel()
	ok, err := s.cfg.Client.SetNX(cctx, s.cfg.Prefix+key, 1, ttl).Result()
	if err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		if f := s.cfg.Failed; f != nil {
			f(fmt.Errorf("redisreplay: recording a proof: %w", s.calls.Explain(err)))
		}
		return false, nil
	}
	return !ok, nil
}
