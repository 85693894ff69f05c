// Package redislock holds what jwtguard's Redis stores —
// cache/redisstore, m2m/redistoken, dpop/redisreplay — share: a check that
// a client's calls end at their context's deadline, Redis calls bounded
// by a timeout (detached from the caller's context where they must run
// anyway), random owner tokens, a lock — SET NX PX to take it, a
// compare-and-delete script to release it only while the caller still
// owns it — and the Sealer that authenticates the records a fleet shares.
//
// Errors are the Redis client's, unwrapped, for the stores to wrap in
// messages of their own. Bounded is a value, safe for concurrent use as
// its client is; the package starts no goroutine.
package redislock

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// HonorsDeadlines reports whether the calls of c end at their context's
// deadline: true for a *redis.Client, *redis.ClusterClient or *redis.Ring
// created with ContextTimeoutEnabled, false for one created without it
// (go-redis then waits its own ReadTimeout, 3 seconds by default, and
// retries, whatever the context says). Clients of other types cannot be
// inspected and are trusted: true.
func HonorsDeadlines(c redis.UniversalClient) bool {
	switch c := c.(type) {
	case *redis.Client:
		return c.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		return c.Options().ContextTimeoutEnabled
	case *redis.Ring:
		return c.Options().ContextTimeoutEnabled
	default:
		return true
	}
}

// Token returns 128 random bits in hex: the owner token of a lock, or an
// id that other processes will not have.
func Token() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// unlockScript deletes the lock KEYS[1] only if it still holds the owner
// token ARGV[1]: a lock that expired and was taken by another owner is not
// the caller's to release.
var unlockScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("DEL", KEYS[1])
end
return 0`)

// Bounded makes Redis calls each bounded by Timeout. Its Client must
// honor deadlines (see HonorsDeadlines) for the bound to hold.
type Bounded struct {
	Client redis.UniversalClient
	// Timeout bounds each call; it must be positive.
	Timeout time.Duration
	// Dials, if not nil, is a hook of Client's: Explain adds the cause of
	// a failed connection to an error.
	Dials *Dials
}

// NewBounded returns a Bounded over c with timeout, with c's Dials hook:
// added to c by the first Bounded over it, shared by the others (a
// client's hooks run on every dial, and are never removed).
func NewBounded(c redis.UniversalClient, timeout time.Duration) Bounded {
	d, loaded := dials.LoadOrStore(c, &Dials{})
	if !loaded {
		c.AddHook(d.(*Dials))
	}
	return Bounded{Client: c, Timeout: timeout, Dials: d.(*Dials)}
}

// dials holds the Dials hook of each client a Bounded was made over. A
// process has a few clients, made once: the map is not trimmed.
var dials sync.Map // redis.UniversalClient → *Dials

// Explain returns err with the cause of the client's last failed
// connection attempt, if any (see Dials).
func (b Bounded) Explain(err error) error {
	if b.Dials == nil {
		return err
	}
	return b.Dials.Explain(err)
}

// Get reads key within the bound: found is false, with no error, if there
// is no such key; Redis's error is explained.
func (b Bounded) Get(ctx context.Context, key string) (v []byte, found bool, err error) {
	ctx, cancel := b.Context(ctx)
	defer cancel()
	v, err = b.Client.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, b.Explain(err)
	}
	return v, true, nil
}

// Context returns the context of one call made on behalf of ctx: ctx,
// bounded by Timeout.
func (b Bounded) Context(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, b.Timeout)
}

// Detached returns the context of a call that must run even when ctx is
// done — releasing a lock, storing what was fetched at some cost: ctx's
// values without its cancellation or deadline, bounded by Timeout.
func (b Bounded) Detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), b.Timeout)
}

// Lock tries once to take the lock at key, which then lives for ttl
// (whole milliseconds) unless released: SET key token NX PX ttl. It
// returns the owner token that releases it, "" if another owner holds it,
// or the client's error.
func (b Bounded) Lock(ctx context.Context, key string, ttl time.Duration) (string, error) {
	ctx, cancel := b.Context(ctx)
	defer cancel()
	owner := Token()
	ok, err := b.Client.SetNX(ctx, key, owner, ttl).Result()
	if err != nil || !ok {
		return "", err
	}
	return owner, nil
}

// Unlock releases the lock at key if owner still holds it, and leaves it
// alone otherwise. It runs detached from ctx (see Detached), so that a
// caller whose context ended does not leave the others waiting for the
// lock to expire. It returns the client's error.
func (b Bounded) Unlock(ctx context.Context, key, owner string) error {
	ctx, cancel := b.Detached(ctx)
	defer cancel()
	return unlockScript.Run(ctx, b.Client, []string{key}, owner).Err()
}

// CheckClient refuses a missing client and one whose calls do not end at
// their context's deadline (see HonorsDeadlines); stalls names what a
// slow Redis would then stall. Its errors name the Config field; the
// stores prefix their package.
func CheckClient(c redis.UniversalClient, stalls string) error {
	if c == nil {
		return errors.New("Config.Client is required")
	}
	if !HonorsDeadlines(c) {
		return fmt.Errorf("Config.Client must be created with ContextTimeoutEnabled: true, "+
			"or a slow Redis would stall %s past Config.Timeout", stalls)
	}
	return nil
}

// Setting is a duration field of a store's Config: its name, where it is,
// its default, and whether it is a Redis TTL (Redis expires keys in whole
// milliseconds).
type Setting struct {
	Name    string
	V       *time.Duration
	Default time.Duration
	TTL     bool
}

// Defaults sets each zero setting to its default and refuses a negative
// one, or a TTL under a millisecond, naming it.
func Defaults(settings ...Setting) error {
	for _, s := range settings {
		switch {
		case *s.V < 0:
			return fmt.Errorf("Config.%s must not be negative (got %v)", s.Name, *s.V)
		case *s.V == 0:
			*s.V = s.Default
		case s.TTL && *s.V < time.Millisecond:
			return fmt.Errorf("Config.%s must be at least 1ms (got %v)", s.Name, *s.V)
		}
	}
	return nil
}

// Dials is a go-redis hook that remembers whether the client's last
// attempt to connect failed, and why: when Redis refuses connections or
// cannot be resolved, go-redis keeps redialing until the call's deadline
// and returns only "context deadline exceeded", the cause going to its
// log. A store adds a Dials to its client and passes its errors through
// Explain.
type Dials struct {
	last atomic.Pointer[error] // the last dial's error; nil after a success
}

// DialHook implements redis.Hook.
func (d *Dials) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := next(ctx, network, addr)
		if err != nil && ctx.Err() == nil { // a dial cut off by the call's deadline says nothing new
			d.last.Store(&err)
		} else if err == nil {
			d.last.Store(nil)
		}
		return conn, err
	}
}

// ProcessHook implements redis.Hook.
func (d *Dials) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }

// ProcessPipelineHook implements redis.Hook.
func (d *Dials) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// Explain returns err with the cause of the last failed connection
// attempt, if the client's last attempt failed: "context deadline
// exceeded (cannot connect: dial tcp …: connection refused)".
func (d *Dials) Explain(err error) error {
	if err == nil {
		return nil
	}
	if last := d.last.Load(); last != nil {
		return fmt.Errorf("%w (cannot connect: %w)", err, *last)
	}
	return err
}
