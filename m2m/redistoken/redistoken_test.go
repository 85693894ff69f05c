package redistoken_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/jwtguard/jwtguard/internal/m2mtest"
	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/m2m"
	"github.com/jwtguard/jwtguard/m2m/redistoken"
)

// Three processes (three TokenSources, each with its own Redis connection
// and Store) sharing one Redis spend one token per lifetime in total: one
// mints under the lock, the others read its token. When it comes due,
// each keeps serving the current token without waiting while one of them
// mints the next.
func TestThreeProcessesOneMintPerLifetime(t *testing.T) {
	for _, b := range backends(t) { // Redis and the issuer run outside the bubble
		t.Run(b.name, func(t *testing.T) {
			iss := newIssuer(t)
			synctest.Test(t, func(t *testing.T) {
				// A cluster client reloads its view of the cluster in a
				// goroutine that sleeps 200 ms first, started when the
				// bubble's clock has jumped past its staleness: let the
				// last ones end before the bubble does.
				defer time.Sleep(time.Second)
				var sources []*m2m.TokenSource
				var hs []*m2mtest.Hooks
				for range 3 {
					h := newHooks()
					hs = append(hs, h)
					sources = append(sources, m2mtest.NewSource(t, sourceConfig(iss, b.store(t, b.client(t), sealKey), h)))
				}

				// All at once: 3 processes × 10 goroutines × 50 calls.
				tokens := map[string]int{}
				var expiry time.Time
				var mu sync.Mutex
				var wg sync.WaitGroup
				var failure error
				for _, ts := range sources {
					for range 10 {
						wg.Go(func() {
							for range 50 {
								tok, err := ts.Token()
								mu.Lock()
								if err != nil {
									failure = err
								} else {
									tokens[tok.AccessToken]++
									expiry = tok.Expiry
								}
								mu.Unlock()
							}
						})
					}
				}
				wg.Wait()
				if failure != nil {
					t.Fatal(failure)
				}
				if len(tokens) != 1 || iss.Mints() != 1 {
					t.Fatalf("%d distinct tokens, %d mints; want 1 and 1", len(tokens), iss.Mints())
				}
				current := ""
				for tok := range tokens {
					current = tok
				}
				checkRound(t, hs)

				for round := 2; round <= 3; round++ {
					// On to the default Threshold (0.8) of the current token's hour,
					// the instant its background refreshes are due. The
					// clock stands still while a token is minted (network
					// I/O is not durably blocking), so a token minted this
					// round expires an hour from now — but it moves on
					// while the other processes poll the lock, so now is
					// kept.
					time.Sleep(time.Until(expiry.Add(-12 * time.Minute)))
					now := time.Now()
					for i, ts := range sources {
						// Due: the current token is served at once and its
						// refresh starts — unless the process's background
						// refresh, whose timer fires at this very instant,
						// got there first (scheduling decides): then this
						// round's token.
						tok, err := ts.Token()
						if err != nil || tok.AccessToken != current && !tok.Expiry.Equal(now.Add(time.Hour)) {
							t.Fatalf("round %d, process %d: %v, %v; want the current token (or this round's)", round, i, tok, err)
						}
					}
					checkRound(t, hs)
					if got := iss.Mints(); got != int64(round) {
						t.Fatalf("round %d: %d mints in total, want %d", round, got, round)
					}
					next := map[string]bool{}
					for _, ts := range sources {
						tok, err := ts.Token()
						if err != nil {
							t.Fatal(err)
						}
						next[tok.AccessToken] = true
						expiry = tok.Expiry
						if !tok.Expiry.Equal(now.Add(time.Hour)) {
							t.Errorf("round %d: expiry %v, want an hour from now", round, tok.Expiry)
						}
					}
					if len(next) != 1 || next[current] {
						t.Fatalf("round %d: the processes hold %d tokens (old one among them: %v), want one new token", round, len(next), next[current])
					}
					for tok := range next {
						current = tok
					}
				}
			})
		})
	}
}

// checkRound waits for one refresh in each process and checks that
// exactly one of them minted.
func checkRound(t *testing.T, hs []*m2mtest.Hooks) {
	t.Helper()
	results := map[observe.TokenResult]int{}
	for _, h := range hs {
		ev := h.Next(t)
		if ev.Err != nil {
			t.Fatalf("refresh failed: %v", ev.Err)
		}
		results[ev.Result]++
	}
	if results[observe.TokenMinted] != 1 || results[observe.TokenShared] != 2 {
		t.Fatalf("refresh results %v, want 1 minted and 2 shared", results)
	}
}

// What is in Redis is sealed: the keys name neither client nor secret, the
// value is not the token in clear, and a process with another key cannot
// open it — for it that is no token, so it mints one, without an error.
func TestSealed(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			iss := newIssuer(t)
			ts := m2mtest.NewSource(t, sourceConfig(iss, b.store(t, b.client(t), sealKey), nil))
			tok, err := ts.Token()
			if err != nil {
				t.Fatal(err)
			}
			keys := b.keys(t)
			if len(keys) != 1 {
				t.Fatalf("keys %v, want the token's only (the lock is gone)", keys)
			}
			key := keys[0]
			digest := strings.TrimPrefix(key, b.prefix)
			if len(digest) != 64 || strings.Trim(digest, "0123456789abcdef") != "" {
				t.Errorf("key %q: want the prefix and a hex SHA-256", key)
			}
			value, err := b.client(t).Get(context.Background(), key).Result()
			if err != nil {
				t.Fatal(err)
			}
			secrets := append([]string{testClient, testSecret, testAudience, url.QueryEscape(testAudience), tok.AccessToken},
				strings.Split(tok.AccessToken, ".")...)
			for _, s := range secrets {
				if strings.Contains(key, s) || strings.Contains(value, s) {
					t.Errorf("Redis holds %q in clear", s)
				}
			}

			h := newHooks()
			other := m2mtest.NewSource(t, sourceConfig(iss, b.store(t, b.client(t), []byte("another key, 32 bytes long......")), h))
			tok2, err := other.Token()
			if err != nil {
				t.Fatalf("a process with another key got an error: %v", err)
			}
			if tok2.AccessToken == tok.AccessToken || iss.Mints() != 2 {
				t.Fatalf("another key read the token (%d mints)", iss.Mints())
			}
			errs := h.StoreErrors()
			if len(errs) != 1 || !errors.Is(errs[0], m2m.ErrBadRecord) || !strings.Contains(errs[0].Error(), "does not open with this key") {
				t.Fatalf("store errors %v, want one ErrBadRecord that does not open with this key", errs)
			}
		})
	}
}

// Without Redis, a source still gets its token (minted without the store)
// and reports the store's failure.
func TestRedisDown(t *testing.T) {
	mr := miniredis.RunT(t)
	addr := mr.Addr()
	mr.Close()
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, ContextTimeoutEnabled: true})
	t.Cleanup(func() { c.Close() })
	store, err := redistoken.New(redistoken.Config{Client: c, Key: sealKey})
	if err != nil {
		t.Fatal(err)
	}
	iss := newIssuer(t)
	h := newHooks()
	ts := m2mtest.NewSource(t, sourceConfig(iss, store, h))
	for range 3 {
		if _, err := ts.Token(); err != nil {
			t.Fatal(err)
		}
	}
	if iss.Mints() != 1 || len(h.StoreErrors()) != 1 {
		t.Fatalf("%d mints, store errors %v; want 1 mint and the failure reported", iss.Mints(), h.StoreErrors())
	}
}

// A process that died holding the lock holds the others up for at most
// LockTTL: they wait while the lock lives, then one of them mints.
func TestStaleLock(t *testing.T) {
	mr := miniredis.RunT(t)
	b := backend{name: "miniredis", addr: mr.Addr(), prefix: defaultPrefix, mr: mr}
	iss := newIssuer(t)
	first := m2mtest.NewSource(t, sourceConfig(iss, b.store(t, b.client(t), sealKey), nil))
	if _, err := first.Token(); err != nil {
		t.Fatal(err)
	}
	key := b.keys(t)[0]
	// The token is gone and a dead process holds the lock.
	mr.Del(key)
	if err := mr.Set(key+":lock", "dead process"); err != nil {
		t.Fatal(err)
	}
	mr.SetTTL(key+":lock", defaultLockTTL)

	c := b.client(t)
	refused := make(chan struct{}, 100)
	c.AddHook(lockWatch{refused})
	second := m2mtest.NewSource(t, sourceConfig(iss, b.store(t, c, sealKey), nil))
	got := make(chan error, 1)
	go func() {
		_, err := second.Token()
		got <- err
	}()
	for range 2 { // it looked twice and found the lock taken both times
		select {
		case <-refused:
		case err := <-got:
			t.Fatalf("Token returned (%v) while the lock was held", err)
		case <-time.After(10 * time.Second):
			t.Fatal("the second process never tried the lock")
		}
	}
	if iss.Mints() != 1 {
		t.Fatalf("%d mints while the lock was held, want 1", iss.Mints())
	}
	mr.FastForward(defaultLockTTL)
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("still waiting after the lock expired")
	}
	if iss.Mints() != 2 {
		t.Fatalf("%d mints, want 2", iss.Mints())
	}
}

// lockWatch signals each SET NX that found the lock taken.
type lockWatch struct{ refused chan<- struct{} }

func (lockWatch) DialHook(next redis.DialHook) redis.DialHook { return next }
func (lockWatch) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (w lockWatch) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if b, ok := cmd.(*redis.BoolCmd); ok && cmd.Name() == "set" && !b.Val() {
			w.refused <- struct{}{}
		}
		return err
	}
}

// Two proxy replicas on one Redis share their cache: a token minted
// through one is a hit on the other.
func TestProxyReplicas(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			iss := newIssuer(t)
			secret := []byte("the proxies' shared secret, 32+ bytes")
			var replicas []http.Handler
			for range 2 {
				p, err := m2m.NewProxy(m2m.ProxyConfig{TokenURL: iss.URL + testissuer.TokenPath, Secret: secret, Store: b.store(t, b.client(t), sealKey)})
				if err != nil {
					t.Fatal(err)
				}
				replicas = append(replicas, p)
			}
			body := url.Values{"grant_type": {"client_credentials"}, "client_id": {testClient}, "client_secret": {testSecret}, "audience": {testAudience}}.Encode()
			var tokens []string
			for i, p := range replicas {
				r := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(body))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				w := httptest.NewRecorder()
				p.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					t.Fatalf("replica %d: %d %s", i, w.Code, w.Body)
				}
				tokens = append(tokens, w.Body.String()[:strings.Index(w.Body.String(), `"expires_in"`)])
			}
			if tokens[0] != tokens[1] || iss.Mints() != 1 {
				t.Fatalf("%d mints; replicas answered %v", iss.Mints(), tokens)
			}
			for _, k := range b.keys(t) {
				if strings.Contains(k, testClient) || strings.Contains(k, testSecret) {
					t.Errorf("key %q names the client", k)
				}
			}
		})
	}
}

func TestNewValidates(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	t.Cleanup(func() { c.Close() })
	plain := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { plain.Close() })
	tests := []struct {
		name string
		cfg  redistoken.Config
		want string
	}{
		{"no client", redistoken.Config{Key: sealKey}, "Client is required"},
		{"no key", redistoken.Config{Client: c}, "16, 24 or 32 bytes (got 0)"},
		{"short key", redistoken.Config{Client: c, Key: sealKey[:15]}, "(got 15)"},
		{"long key", redistoken.Config{Client: c, Key: append(sealKey, 'x')}, "(got 33)"},
		{"negative lock", redistoken.Config{Client: c, Key: sealKey, LockTTL: -1}, "must not be negative"},
		{"client ignoring deadlines", redistoken.Config{Client: plain, Key: sealKey}, "ContextTimeoutEnabled: true"},
		{"negative timeout", redistoken.Config{Client: c, Key: sealKey, Timeout: -time.Second}, "Config.Timeout must not be negative"},
		{"sub-millisecond lock", redistoken.Config{Client: c, Key: sealKey, LockTTL: time.Microsecond}, "at least 1ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := redistoken.New(tt.cfg)
			if err == nil || !strings.HasPrefix(err.Error(), "redistoken: ") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want a redistoken error containing %q", err, tt.want)
			}
		})
	}
	for _, n := range []int{16, 24, 32} {
		if _, err := redistoken.New(redistoken.Config{Client: c, Key: sealKey[:n]}); err != nil {
			t.Errorf("%d-byte key: %v", n, err)
		}
	}
}
