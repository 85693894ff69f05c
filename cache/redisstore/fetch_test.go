package redisstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/cache/redisstore"
)

func TestFetchSharesTheDocument(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		ctx := context.Background()
		a, other := b.store(t, nil), b.store(t, nil)

		var fa fetcher
		got, err := fetchVia(ctx, a, time.Time{}, fa.fetch, noReport(t))
		if err != nil || fa.calls.Load() != 1 {
			t.Fatalf("first Fetch = %v, %d fetches; want a fetched document", err, fa.calls.Load())
		}
		shared, err := other.Get(ctx, testURL)
		if err != nil || shared == nil || !sameDoc(shared, got) {
			t.Fatalf("Get = %+v, %v; want the document fetched by the other store, every field kept: %+v", shared, err, got)
		}

		t.Run("newer shared document is used", func(t *testing.T) {
			var fo fetcher
			doc, err := fetchVia(ctx, other, got.FetchedAt.Add(-time.Second), fo.fetch, noReport(t))
			if err != nil || fo.calls.Load() != 0 || !sameDoc(doc, got) {
				t.Fatalf("Fetch = %v, %d fetches; want the shared document, no fetch", err, fo.calls.Load())
			}
		})
		t.Run("shared document not newer is fetched again", func(t *testing.T) {
			var fo fetcher
			doc, err := fetchVia(ctx, other, got.FetchedAt, fo.fetch, noReport(t))
			if err != nil || fo.calls.Load() != 1 || !doc.FetchedAt.After(got.FetchedAt) {
				t.Fatalf("Fetch = %v, %d fetches; want a new fetch", err, fo.calls.Load())
			}
			now, err := a.Get(ctx, testURL)
			if err != nil || now == nil || !now.FetchedAt.Equal(doc.FetchedAt) {
				t.Fatalf("after the new fetch Redis holds %+v, %v; want the new document", now, err)
			}
		})
		t.Run("lock is released", func(t *testing.T) {
			n, err := b.client(t).Exists(ctx, a.Key(testURL)+":lock").Result()
			if err != nil || n != 0 {
				t.Fatalf("lock key exists = %d, %v; want released", n, err)
			}
		})
	})
}

func TestFetchWaitsForTheLockHolder(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		ctx := context.Background()
		a, waiter := b.store(t, nil), b.store(t, nil)
		waiting := make(chan struct{}, 1)
		redisstore.SetOnWait(waiter, func() { signal(waiting) })

		holder := fetcher{gate: make(chan struct{})}
		type result struct {
			doc *cache.Document
			err error
		}
		held := make(chan result, 1)
		started := make(chan struct{})
		holder.during = func() { close(started) }
		go func() {
			doc, err := fetchVia(ctx, a, time.Time{}, holder.fetch, func(error) {})
			held <- result{doc, err}
		}()
		within(t, started, 5*time.Second, "holder's fetch")

		var fw fetcher
		got := make(chan result, 1)
		go func() {
			doc, err := fetchVia(ctx, waiter, time.Time{}, fw.fetch, func(error) {})
			got <- result{doc, err}
		}()
		within(t, waiting, 5*time.Second, "waiter waiting for the lock holder")
		close(holder.gate)

		h := within(t, held, 5*time.Second, "holder's Fetch")
		w := within(t, got, 5*time.Second, "waiter's Fetch")
		if h.err != nil || w.err != nil {
			t.Fatalf("Fetch errors: holder %v, waiter %v", h.err, w.err)
		}
		if fw.calls.Load() != 0 || !sameDoc(w.doc, h.doc) {
			t.Fatalf("waiter fetched %d times, got %+v; want the holder's document and no fetch", fw.calls.Load(), w.doc)
		}
	})
}

func TestFetchTakesOverTheLock(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		tests := []struct {
			name string
			// hold makes another replica hold the lock, and returns what
			// ends its hold.
			hold func(t *testing.T, b *backend, s *redisstore.Store) (end func())
		}{
			{"holder dies and the lock expires", func(t *testing.T, b *backend, s *redisstore.Store) func() {
				const ttl = 300 * time.Millisecond
				if err := b.client(t).Set(context.Background(), s.Key(testURL)+":lock", "dead", ttl).Err(); err != nil {
					t.Fatal(err)
				}
				return func() { b.elapse(ttl) }
			}},
			{"holder's fetch fails", func(t *testing.T, b *backend, s *redisstore.Store) func() {
				other := b.store(t, nil)
				f := fetcher{gate: make(chan struct{}), err: errors.New("provider down")}
				started, done := make(chan struct{}), make(chan error, 1)
				f.during = func() { close(started) }
				go func() {
					_, err := fetchVia(context.Background(), other, time.Time{}, f.fetch, func(error) {})
					done <- err
				}()
				within(t, started, 5*time.Second, "holder's fetch")
				return func() {
					close(f.gate)
					if err := within(t, done, 5*time.Second, "holder's Fetch"); err == nil {
						t.Error("holder's Fetch succeeded; want its fetch error")
					}
				}
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				b := b.fresh(t)
				ctx := context.Background()
				s := b.store(t, func(c *redisstore.Config) { c.LockTTL = 10 * time.Second })
				waiting := make(chan struct{}, 1)
				redisstore.SetOnWait(s, func() { signal(waiting) })
				end := tt.hold(t, b, s)
				client := b.client(t)

				var lockAtFetch string
				f := fetcher{during: func() {
					lockAtFetch, _ = client.Get(context.Background(), s.Key(testURL)+":lock").Result()
				}}
				var r reports
				got := make(chan error, 1)
				go func() {
					_, err := fetchVia(ctx, s, time.Time{}, f.fetch, r.report)
					got <- err
				}()
				within(t, waiting, 5*time.Second, "Fetch waiting for the lock holder")
				end()
				if err := within(t, got, 5*time.Second, "Fetch"); err != nil {
					t.Fatalf("Fetch: %v", err)
				}
				if f.calls.Load() != 1 || lockAtFetch == "" || lockAtFetch == "dead" {
					t.Fatalf("fetched %d times holding lock %q; want one fetch under a lock of its own", f.calls.Load(), lockAtFetch)
				}
				if doc, err := s.Get(ctx, testURL); err != nil || doc == nil {
					t.Fatalf("Get = %v, %v; want the document shared", doc, err)
				}
				if errs := r.all(); len(errs) != 0 {
					t.Fatalf("reported %v; want nothing (the store worked)", errs)
				}
			})
		}
	})
}

func TestFetchGivesUpWaiting(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		// A lock nobody releases, kept alive for the whole test.
		const lockTTL = 200 * time.Millisecond
		tests := []struct {
			name string
			// ctx returns the context of the Fetch; it may cancel it once
			// the Fetch waits, through onWait.
			ctx      func() (ctx context.Context, cancel, onWait func())
			wantErr  error
			fetches  int64
			reported error
		}{
			{"after the wait bound it fetches itself", func() (context.Context, func(), func()) {
				return context.Background(), func() {}, nil
			}, nil, 1, errLockTimeout},
			{"a context shorter than twice the wait bound leaves half for the fetch", func() (context.Context, func(), func()) {
				ctx, cancel := context.WithTimeout(context.Background(), lockTTL)
				return ctx, cancel, nil
			}, nil, 1, errLockTimeout},
			{"a context canceled while waiting ends the wait", func() (context.Context, func(), func()) {
				ctx, cancel := context.WithCancel(context.Background())
				return ctx, cancel, cancel
			}, context.Canceled, 0, nil},
			{"a canceled context is not a Redis failure", func() (context.Context, func(), func()) {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ctx, cancel, nil
			}, context.Canceled, 0, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				b := b.fresh(t)
				s := b.store(t, func(c *redisstore.Config) { c.LockTTL = lockTTL })
				if err := b.client(t).Set(context.Background(), s.Key(testURL)+":lock", "stuck", time.Minute).Err(); err != nil {
					t.Fatal(err)
				}
				ctx, cancel, onWait := tt.ctx()
				defer cancel()
				if onWait != nil {
					redisstore.SetOnWait(s, onWait)
				}
				var f fetcher
				var r reports
				_, err := fetchWaiting(ctx, s, time.Time{}, lockTTL, f.fetch, r.report)
				if !errors.Is(err, tt.wantErr) || f.calls.Load() != tt.fetches {
					t.Fatalf("Fetch: %v after %d fetches; want %v, %d fetches", err, f.calls.Load(), tt.wantErr, tt.fetches)
				}
				errs := r.all()
				switch {
				case tt.reported == nil && len(errs) != 0:
					t.Fatalf("reported %v; want nothing", errs)
				case tt.reported != nil && (len(errs) != 1 || !errors.Is(errs[0], tt.reported) || !hasPrefix(errs[0])):
					t.Fatalf("reported %v; want %v", errs, tt.reported)
				}
			})
		}
	})
}

func TestUnlockReleasesOnlyItsOwnLock(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		const lockTTL = 300 * time.Millisecond
		ctx := context.Background()
		a := b.store(t, func(c *redisstore.Config) { c.LockTTL = lockTTL })
		next := b.store(t, func(c *redisstore.Config) { c.LockTTL = time.Minute })
		client := b.client(t)
		lock := a.Key(testURL) + ":lock"

		// a's fetch outlives its lock; next takes the lock and fetches.
		fa := fetcher{gate: make(chan struct{})}
		aStarted, aDone := make(chan struct{}), make(chan error, 1)
		fa.during = func() { close(aStarted) }
		go func() {
			_, err := fetchVia(ctx, a, time.Time{}, fa.fetch, func(error) {})
			aDone <- err
		}()
		within(t, aStarted, 5*time.Second, "a's fetch")
		waiting := make(chan struct{}, 1)
		redisstore.SetOnWait(next, func() { signal(waiting) })
		fn := fetcher{gate: make(chan struct{})}
		nStarted, nDone := make(chan struct{}), make(chan error, 1)
		fn.during = func() { close(nStarted) }
		go func() {
			_, err := fetchVia(ctx, next, time.Time{}, fn.fetch, func(error) {})
			nDone <- err
		}()
		within(t, waiting, 5*time.Second, "next waiting for a")
		b.elapse(lockTTL)
		within(t, nStarted, 5*time.Second, "next's fetch after a's lock expired")
		nextToken, err := client.Get(ctx, lock).Result()
		if err != nil {
			t.Fatalf("lock while next fetches: %v", err)
		}

		close(fa.gate) // a finishes and releases "its" lock
		if err := within(t, aDone, 5*time.Second, "a's Fetch"); err != nil {
			t.Fatalf("a's Fetch: %v", err)
		}
		if got, err := client.Get(ctx, lock).Result(); err != nil || got != nextToken {
			t.Fatalf("after a released, lock = %q, %v; want next's %q kept", got, err, nextToken)
		}
		close(fn.gate)
		if err := within(t, nDone, 5*time.Second, "next's Fetch"); err != nil {
			t.Fatalf("next's Fetch: %v", err)
		}
		if n, _ := client.Exists(ctx, lock).Result(); n != 0 {
			t.Fatal("next did not release its lock")
		}
	})
}
