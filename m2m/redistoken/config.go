package redistoken

import (
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/jwtguard/jwtguard/internal/redislock"
)

// Defaults of Config, documented on its fields.
const (
	defaultPrefix  = "jwtguard:m2m:"
	defaultTimeout = 500 * time.Millisecond
	defaultLockTTL = 10 * time.Second
)

// Config configures the store New returns. It is plain data: a zero field means the
// documented default, and New validates it once.
type Config struct {
	// Client is the Redis client. Required. It must be created with
	// ContextTimeoutEnabled: true, so that Timeout bounds every call
	// (go-redis otherwise waits its own ReadTimeout, 3 seconds by
	// default, and retries); New checks this for *redis.Client,
	// *redis.ClusterClient and *redis.Ring. New adds a hook to it that
	// remembers why connecting last failed, so that the store's errors
	// carry that cause. The store does not close it.
	Client redis.UniversalClient
	// Key seals the tokens (AES-GCM): 16, 24 or 32 random bytes, the same
	// in every process that shares the tokens. Required.
	Key []byte
	// Prefix of the Redis keys. If empty, "jwtguard:m2m:".
	Prefix string
	// Timeout bounds each Redis call; a call that takes longer counts as
	// a failure of Redis, and the token is minted without it. If zero, 500
	// milliseconds.
	Timeout time.Duration
	// LockTTL is how long a process may hold the lock of a key while it
	// mints; at least a millisecond. If zero, 10 seconds.
	//
	// It must be shorter than the Timeout of the sources and proxies
	// using the store (by default 30 seconds), which bounds their
	// wait: then the waiters behind a process that died holding the lock
	// take over once the lock expires, instead of timing out. It should
	// be longer than a token request usually takes: a process whose
	// request outlasts it may find another minting too (one more token
	// spent, nothing worse).
	LockTTL time.Duration
}

// withDefaults returns c with zero fields set to their defaults, or an
// error naming the first invalid field. The key is checked by newSealer.
func (c Config) withDefaults() (Config, error) {
	if err := redislock.CheckClient(c.Client, "token requests"); err != nil {
		return c, fmt.Errorf("redistoken: %w", err)
	}
	if c.Prefix == "" {
		c.Prefix = defaultPrefix
	}
	err := redislock.Defaults(
		redislock.Setting{Name: "Timeout", V: &c.Timeout, Default: defaultTimeout},
		redislock.Setting{Name: "LockTTL", V: &c.LockTTL, Default: defaultLockTTL, TTL: true},
	)
	if err != nil {
		return c, fmt.Errorf("redistoken: %w", err)
	}
	return c, nil
}
