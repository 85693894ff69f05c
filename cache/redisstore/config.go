package redisstore

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/jwtguard/jwtguard/internal/redislock"
)

// Defaults of Config, documented on its fields.
const (
	defaultPrefix       = "jwtguard:jwks:"
	defaultTimeout      = 500 * time.Millisecond
	defaultLockTTL      = 5 * time.Second
	defaultDocumentTTL  = 25 * time.Minute
	defaultPingInterval = 30 * time.Second
)

// Config configures a Store. It is plain data: a zero field means the
// documented default, and New validates it once.
type Config struct {
	// Client connects to Redis. Required. It must be created with
	// ContextTimeoutEnabled: true, so that Timeout bounds every call (go-redis
	// otherwise waits its own ReadTimeout, 5 seconds by default, and retries);
	// New checks this for *redis.Client, *redis.ClusterClient and *redis.Ring.
	// New adds a hook to it that remembers why connecting last failed, so
	// that the Store's errors carry that cause (go-redis otherwise reports
	// a timeout, the cause going to its log). The Store does not close it.
	Client redis.UniversalClient
	// Secret authenticates the documents the fleet shares: each record is
	// stored with an HMAC-SHA256 under it, bound to its Redis key, and a
	// record that fails it is never served — it is reported and replaced —
	// so that write access to Redis is not the power to serve signing
	// keys. At least 32 random bytes, the same on every replica sharing a
	// Prefix. Required, unless InsecureTrustRedis is set.
	Secret []byte
	// InsecureTrustRedis stores and serves documents without a MAC:
	// whoever can write to Redis can then serve keys to every replica, as
	// whoever can answer for the JWKS URL could. Set it only for a Redis
	// no one else can write to.
	InsecureTrustRedis bool
	// Prefix starts every key and channel of the Store. Replicas that share
	// documents must use the same one. If empty, "jwtguard:jwks:".
	Prefix string
	// Timeout bounds each Redis call; a call that takes longer counts as a
	// failure and the cache fetches for itself. If zero, 500 milliseconds.
	Timeout time.Duration
	// LockTTL is how long the lock a replica takes to fetch lives if it is
	// not released (the replica died): the other replicas take it over
	// then, and in any case fetch themselves after half their refresh's
	// time (FetchTimeout/2). Keep it above a typical fetch. If zero, 5
	// seconds.
	LockTTL time.Duration
	// DocumentTTL is how long a shared document stays in Redis. Set it a
	// little past the caches' Interval. If zero, 25 minutes (past the
	// default Interval, 20 minutes).
	DocumentTTL time.Duration
	// PingInterval is how long the subscription that carries notices may
	// stay silent before it is checked with a PING; when the PING is not
	// answered within as long again, a new connection replaces it. If zero,
	// 30 seconds.
	PingInterval time.Duration
	// Logger receives the loss (at warn) and recovery (at info) of the
	// subscription. Failures of the calls a refresh makes are reported
	// to the cache's Logger and Metrics instead. If nil, nothing is
	// logged.
	Logger *slog.Logger
}

// withDefaults returns c with zero fields set to their defaults, or an error
// naming the first invalid field.
func (c Config) withDefaults() (Config, error) {
	if err := redislock.CheckClient(c.Client, "refreshes"); err != nil {
		return c, fmt.Errorf("redisstore: %w", err)
	}
	if c.Prefix == "" {
		c.Prefix = defaultPrefix
	}
	err := redislock.Defaults(
		redislock.Setting{Name: "Timeout", V: &c.Timeout, Default: defaultTimeout},
		redislock.Setting{Name: "LockTTL", V: &c.LockTTL, Default: defaultLockTTL, TTL: true},
		redislock.Setting{Name: "DocumentTTL", V: &c.DocumentTTL, Default: defaultDocumentTTL, TTL: true},
		redislock.Setting{Name: "PingInterval", V: &c.PingInterval, Default: defaultPingInterval},
	)
	if err != nil {
		return c, fmt.Errorf("redisstore: %w", err)
	}
	return c, nil
}
