// Package redisreplay keeps the DPoP proofs a fleet accepted in Redis, so
// that a proof replayed to another replica is refused too: each accepted
// proof is a key set with SET NX for as long as the proof's window.
//
// When Redis is down, slow or failing, no verification fails because of
// it: each replica checks its own memory instead (Config.Local) and
// reports the failure. What holds then: a proof is accepted at most
// once per replica, and — if Redis was up when it was first accepted —
// once for the fleet; a proof first sent while Redis is down can be
// replayed once to each other replica within its window.
//
// Redis keys are the prefix and a SHA-256 of the proof's key thumbprint
// and jti; each holds an HMAC-SHA256 of its key under the fleet's Secret,
// so a key planted by someone without the secret does not make replicas
// refuse a proof: it is replaced (and reported to the Logger and the
// Metrics). Write access to Redis remains the power to delete keys — to
// let a proof be replayed once more per deletion — never the power to
// make a proof valid.
package redisreplay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/jwtguard/jwtguard/dpop"
	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/redislock"
)

// Defaults of Config, documented on its fields.
const (
	defaultPrefix  = "jwtguard:dpop:"
	defaultTimeout = 200 * time.Millisecond
)

// Config configures the Replays of New.
type Config struct {
	// Client is the Redis client, created with ContextTimeoutEnabled:
	// true so that Timeout bounds each call. Required.
	Client redis.UniversalClient
	// Secret authenticates the fleet's records: 32 or more random bytes,
	// the same on every replica. Required unless InsecureTrustRedis.
	Secret []byte
	// InsecureTrustRedis stores records without a MAC, for a Redis no one
	// else can write to.
	InsecureTrustRedis bool
	// Prefix of the Redis keys. If empty, "jwtguard:dpop:".
	Prefix string
	// Timeout bounds each Redis call. If zero, 200 milliseconds.
	Timeout time.Duration
	// Local is the memory checked while Redis fails, and also on every
	// call (a proof this replica saw is refused without asking Redis),
	// usually a dpop.NewMemoryReplays of the size the proofs of one
	// window need. If nil, dpop.NewMemoryReplays(100 000).
	Local dpop.Replays
	// Logger receives Redis failures at warn, at most one a minute (an
	// outage would fail every DPoP request): while Redis fails, a proof is
	// checked in Local alone. If nil, nothing is logged.
	Logger *slog.Logger
	// Metrics counts the Redis failures: a *metrics.Collector (package
	// metrics; New refuses any other). If nil, nothing is counted.
	Metrics observe.Source
}

// store is the dpop.Replays of New.
type store struct {
	cfg   Config
	calls redislock.Bounded
	seal  redislock.Sealer
	hooks observe.DPoP // nil if nobody counts

	logged   atomic.Int64 // when a failure was last logged, in Unix nanoseconds
	unlogged atomic.Int64 // failures not logged since
}

// New validates cfg and returns dpop.Replays in Redis, for
// middleware.DPoPConfig.Replays. It makes no Redis call. The Replays are
// safe for concurrent use.
func New(cfg Config) (dpop.Replays, error) {
	if err := redislock.CheckClient(cfg.Client, "DPoP checks"); err != nil {
		return nil, fmt.Errorf("redisreplay: %w", err)
	}
	seal, err := redislock.NewSealer(cfg.Secret, cfg.InsecureTrustRedis)
	if err != nil {
		return nil, fmt.Errorf("redisreplay: %w", err)
	}
	if cfg.Prefix == "" {
		cfg.Prefix = defaultPrefix
	}
	if err := redislock.Defaults(redislock.Setting{Name: "Timeout", V: &cfg.Timeout, Default: defaultTimeout}); err != nil {
		return nil, fmt.Errorf("redisreplay: %w", err)
	}
	if cfg.Local == nil {
		cfg.Local = dpop.NewMemoryReplays(100_000)
	}
	hooks, err := observe.Need(cfg.Metrics, func(h observe.Hooks) observe.DPoP { return h.DPoP }, "redisreplay: Config.Metrics", "*metrics.Collector")
	if err != nil {
		return nil, err
	}
	return &store{cfg: cfg, calls: redislock.NewBounded(cfg.Client, cfg.Timeout), seal: seal, hooks: hooks}, nil
}

// Seen implements dpop.Replays: the proof is recorded in this replica's
// memory and in Redis (SET NX PX until expires); it was seen if either
// had it. When Redis fails, the memory's answer stands; when the memory
// fails too (full: dpop.ErrReplaysFull), nothing remembers the proof and
// it is refused with the memory's error.
func (s *store) Seen(ctx context.Context, key string, expires time.Time) (bool, error) {
	local, lerr := s.cfg.Local.Seen(ctx, key, expires)
	if local && lerr == nil {
		return true, nil
	}
	ttl := time.Until(expires)
	if ttl < time.Millisecond {
		return false, nil // out of the window already: the middleware refuses it
	}
	// The record is empty: sealed, it is the MAC of its Redis key.
	rkey := s.cfg.Prefix + key
	record := s.seal.Seal(rkey, nil)
	ok, err := s.setNX(ctx, rkey, record, ttl)
	if err == nil && !ok && !s.cfg.InsecureTrustRedis {
		// Seen — unless the record is not the fleet's: then it is
		// replaced, and the proof is new.
		held, found, gerr := s.calls.Get(ctx, rkey)
		switch _, fleets := s.seal.Open(rkey, held); {
		case gerr == nil && found && !fleets:
			ok, err = true, s.set(ctx, rkey, record, ttl)
			if err == nil {
				s.failed("redisreplay: a record the fleet did not write was replaced", fmt.Errorf("redisreplay: %w: record %s replaced", errBadRecord, rkey))
			}
		case gerr != nil:
			// Redis said the proof is there; unsure whose record it is,
			// refuse it (fail closed) and report.
			s.failed("redisreplay: Redis failed while checking a record; the proof was refused", fmt.Errorf("redisreplay: checking a record: %w", gerr))
			return true, nil
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		s.failed("redisreplay: Redis failed; the proof was checked in this replica's memory", fmt.Errorf("redisreplay: recording a proof: %w", s.calls.Explain(err)))
		if lerr != nil {
			return true, lerr
		}
		return false, nil
	}
	return !ok, nil
}

// setNX and set are SET NX and SET, each bounded by Timeout.
func (s *store) setNX(ctx context.Context, key string, v []byte, ttl time.Duration) (bool, error) {
	ctx, cancel := s.calls.Context(ctx)
	defer cancel()
	return s.cfg.Client.SetNX(ctx, key, v, ttl).Result()
}

func (s *store) set(ctx context.Context, key string, v []byte, ttl time.Duration) error {
	ctx, cancel := s.calls.Context(ctx)
	defer cancel()
	return s.cfg.Client.Set(ctx, key, v, ttl).Err()
}

// logEvery is the least time between two failures logged: an outage of
// Redis fails every DPoP request, and the log says so once a minute (with
// how many it left out) while the metrics count each.
const logEvery = time.Minute

// failed reports a Redis failure: to the Metrics each time, to the Logger
// at most once per logEvery.
func (s *store) failed(msg string, err error) {
	if s.hooks != nil {
		s.hooks.ReplayStoreFailed(err)
	}
	l := s.cfg.Logger
	if l == nil {
		return
	}
	now := time.Now().UnixNano()
	last := s.logged.Load()
	if last != 0 && now-last < int64(logEvery) || !s.logged.CompareAndSwap(last, now) {
		s.unlogged.Add(1)
		return
	}
	l.Warn(msg, "err", err, "not_logged_before", s.unlogged.Swap(0))
}

// errBadRecord is logged and counted for a record in Redis that the fleet
// did not write; it was replaced.
var errBadRecord = errors.New("record without the fleet's MAC")
