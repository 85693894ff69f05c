package redisstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jwtguard/jwtguard/m2m"
)

// Fetch implements m2m.Store: the stored token if usable accepts it; else,
// under the key's Redis lock, the result of mint, stored until its
// expiry; else, while another process holds the lock, what it stores once
// done (or, if it gives up, a mint of our own). Waiting is bounded by ctx.
//
// When a Redis call fails or outlasts Config.Timeout, Fetch passes the
// error to report and returns what mint returns, without Redis; but when
// ctx is done, it returns ctx's error without reporting or minting.
//
// Concurrent Fetches of one key in this process share one such trip: the
// first goes to Redis (and may call its mint), the others wait for it,
// bounded by their ctx, and get its result, token or error — usable and
// report are the first one's. If it failed because its own ctx ended,
// they do not take that error: a waiter whose ctx is still live tries
// again, going to Redis itself if nobody else does.
func (s *Store) Fetch(ctx context.Context, key string, usable func(*m2m.Token) bool, mint m2m.MintFunc, report func(error)) (*m2m.Token, error) {
	return s.flights.Do(ctx, key, func(ctx context.Context) (*m2m.Token, error) {
		return s.fetch(ctx, key, usable, mint, report)
	})
}

// fetch is Fetch for the one caller of this process that goes to Redis.
func (s *Store) fetch(ctx context.Context, key string, usable func(*m2m.Token) bool, mint m2m.MintFunc, report func(error)) (*m2m.Token, error) {
	rk, lk := s.cfg.Prefix+key, s.cfg.Prefix+key+":lock"
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
			return s.fallback(ctx, err, mint, report)
		}
		if t != nil && usable(t) {
			return t, nil
		}
		owner, err := s.calls.Lock(ctx, lk, s.cfg.LockTTL)
		if err != nil {
			return s.fallback(ctx, fmt.Errorf("redisstore: taking the lock: %w", err), mint, report)
		}
		if owner != "" {
			return s.mintLocked(ctx, rk, lk, owner, usable, mint, report, reportOnce)
		}
		if timer == nil {
			timer = time.NewTimer(s.cfg.PollInterval)
		} else {
			timer.Reset(s.cfg.PollInterval)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("redisstore: waiting for another process's token: %w", ctx.Err())
		case <-timer.C:
		}
	}
}

// fallback reports err, a failed Redis call, and mints without Redis;
// unless the call failed because ctx is done, which is not Redis's fault
// and leaves no time to mint.
func (s *Store) fallback(ctx context.Context, err error, mint m2m.MintFunc, report func(error)) (*m2m.Token, error) {
	if ctx.Err() != nil {
		return nil, fmt.Errorf("redisstore: %w", context.Cause(ctx))
	}
	report(err)
	return mint(ctx)
}

// mintLocked mints holding the lock lk: unless a token arrived between our
// look and the lock, it calls mint and stores the token under rk.
func (s *Store) mintLocked(ctx context.Context, rk, lk, owner string, usable func(*m2m.Token) bool, mint m2m.MintFunc, report, reportUnsealed func(error)) (*m2m.Token, error) {
	defer func() {
		if err := s.calls.Unlock(ctx, lk, owner); err != nil {
			report(fmt.Errorf("redisstore: releasing the lock: %w", err))
		}
	}()
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
