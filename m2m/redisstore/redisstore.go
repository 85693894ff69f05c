// Package redisstore keeps m2m tokens in Redis, so that every process
// (TokenSource) or replica (Proxy) sharing it spends one token per
// lifetime: one of them mints under a short Redis lock while the others
// wait for its result and read it.
//
// Tokens at rest are sealed with AES-GCM under a key the caller provides,
// bound to the Redis key they are stored under; what cannot be opened (a
// wrong key, a damaged value) counts as no token, and is replaced by a new
// one. Redis keys are the prefix and a hex digest: neither client ids nor
// secrets appear in them. When Redis cannot be reached, tokens are minted
// without it and the error is reported to the caller's hooks.
//
// Within one process, concurrent Fetches of one key share one trip
// through this protocol, so that they make at most one token request
// between them and share its result, token or error (see Store.Fetch).
// Across processes a failure is not shared: each process whose callers
// wait makes one request of its own, in turn, under the lock.
//
// A Store is safe for concurrent use and starts no goroutine; the Redis
// client stays the caller's to close.
package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/jwtguard/jwtguard/m2m"
)

// Defaults of Config.
const (
	DefaultPrefix       = "jwtguard:m2m:"
	DefaultLockTTL      = 10 * time.Second
	DefaultPollInterval = 50 * time.Millisecond
)

// ErrUnsealed is reported (never returned) for a stored value that cannot
// be opened with the key: another key, or damage. It counts as no token.
var ErrUnsealed = errors.New("redisstore: stored token cannot be opened with this key")

// Config configures a Store.
type Config struct {
	// Client is the Redis client. Required.
	Client redis.UniversalClient
	// Key seals the tokens (AES-GCM): 16, 24 or 32 random bytes, the same
	// in every process that shares the tokens. Required.
	Key []byte
	// Prefix of the Redis keys. If empty, DefaultPrefix.
	Prefix string
	// LockTTL is how long a process may hold the lock of a key while it
	// mints. If zero, DefaultLockTTL (10 seconds).
	//
	// It must be shorter than the Timeout of the sources and proxies
	// using the store (m2m.DefaultTimeout, 30 seconds), which bounds their
	// wait: then the waiters behind a process that died holding the lock
	// take over once the lock expires, instead of timing out. It should
	// be longer than a token request usually takes: a process whose
	// request outlasts it may find another minting too (one more token
	// spent, nothing worse).
	LockTTL time.Duration
	// PollInterval is how often a process waiting for another's mint looks
	// for its result. If zero, DefaultPollInterval (50 milliseconds).
	PollInterval time.Duration
	// Now is the clock that measures how long a token is kept in Redis
	// (until its Expiry); use the clock of the sources and proxies. If
	// nil, time.Now is used.
	Now func() time.Time
}

// Store is an m2m.Store in Redis.
type Store struct {
	client  redis.UniversalClient
	sealer  sealer
	prefix  string
	lockTTL time.Duration
	poll    time.Duration
	now     func() time.Time

	mu      sync.Mutex
	flights map[string]*flight // key → this process's Fetch in progress
}

var _ m2m.Store = (*Store)(nil)

// New validates cfg and returns a Store. It does not contact Redis.
func New(cfg Config) (*Store, error) {
	if cfg.Client == nil {
		return nil, errors.New("redisstore: Config.Client is required")
	}
	s, err := newSealer(cfg.Key)
	if err != nil {
		return nil, err
	}
	if cfg.LockTTL < 0 || cfg.PollInterval < 0 {
		return nil, errors.New("redisstore: Config.LockTTL and Config.PollInterval must not be negative")
	}
	st := &Store{
		client: cfg.Client, sealer: s, prefix: cfg.Prefix, lockTTL: cfg.LockTTL, poll: cfg.PollInterval, now: cfg.Now,
		flights: make(map[string]*flight),
	}
	if st.prefix == "" {
		st.prefix = DefaultPrefix
	}
	if st.lockTTL == 0 {
		st.lockTTL = DefaultLockTTL
	}
	if st.poll == 0 {
		st.poll = DefaultPollInterval
	}
	if st.now == nil {
		st.now = time.Now
	}
	return st, nil
}

// fetch is Fetch for the one caller of this process that goes to Redis:
// the stored token if usable accepts it; else, under the key's lock, the
// result of mint, stored until its expiry; else, while another process
// holds the lock, what it stores once done (or, if it gives up, a mint of
// our own). Waiting is bounded by ctx.
func (s *Store) fetch(ctx context.Context, key string, usable func(*m2m.Token) bool, mint m2m.MintFunc, report func(error)) (*m2m.Token, error) {
	rk, lk := s.prefix+key, s.prefix+key+":lock"
	// A value we cannot open is reported once, however often we look.
	unsealed := false
	reportOnce := func(err error) {
		if !unsealed {
			unsealed = true
			report(err)
		}
	}
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		t, err := s.get(ctx, rk, reportOnce)
		if err != nil {
			report(err)
			return mint(ctx)
		}
		if t != nil && usable(t) {
			return t, nil
		}
		owner := newOwner()
		ok, err := s.client.SetNX(ctx, lk, owner, s.lockTTL).Result()
		if err != nil {
			report(fmt.Errorf("redisstore: taking the lock: %w", err))
			return mint(ctx)
		}
		if ok {
			return s.mintLocked(ctx, rk, lk, owner, usable, mint, report, reportOnce)
		}
		if timer == nil {
			timer = time.NewTimer(s.poll)
		} else {
			timer.Reset(s.poll)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("redisstore: waiting for another process's token: %w", ctx.Err())
		case <-timer.C:
		}
	}
}

// mintLocked mints holding the lock lk: unless a token arrived between our
// look and the lock, it calls mint and stores the token under rk.
func (s *Store) mintLocked(ctx context.Context, rk, lk, owner string, usable func(*m2m.Token) bool, mint m2m.MintFunc, report, reportUnsealed func(error)) (*m2m.Token, error) {
	defer s.unlock(ctx, lk, owner, report)
	if t, err := s.get(ctx, rk, reportUnsealed); err == nil && t != nil && usable(t) {
		return t, nil
	}
	t, err := mint(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.put(ctx, rk, t); err != nil {
		report(err)
	}
	return t, nil
}

// get returns the token stored under rk, nil if there is none or it
// cannot be opened (reported), or Redis's error.
func (s *Store) get(ctx context.Context, rk string, report func(error)) (*m2m.Token, error) {
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
// a token that has expired by then is not stored.
func (s *Store) put(ctx context.Context, rk string, t *m2m.Token) error {
	ttl := t.Expiry.Sub(s.now())
	if ttl < time.Millisecond {
		return nil // nothing worth sharing
	}
	plain, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("redisstore: encoding a token: %w", err)
	}
	if err := s.client.Set(ctx, rk, s.sealer.seal(rk, plain), ttl).Err(); err != nil {
		return fmt.Errorf("redisstore: storing a token: %w", err)
	}
	return nil
}

// unlockScript deletes the lock only if we still own it: after LockTTL
// another process may have taken it.
var unlockScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)

func (s *Store) unlock(ctx context.Context, lk, owner string, report func(error)) {
	// The mint's context may be done by now; the lock must go anyway.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := unlockScript.Run(ctx, s.client, []string{lk}, owner).Err(); err != nil {
		report(fmt.Errorf("redisstore: releasing the lock: %w", err))
	}
}

func newOwner() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
