package keycache_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/keycache"
	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/share"
)

// memStore is an in-process cache.Store: what several caches in one
// process share. (cache/redisstore is the one for several processes.)
type memStore struct {
	mu       sync.Mutex
	docs     map[string]*cache.Document
	locks    share.Locks
	watchers map[string][]func()
	err      error // returned by every operation when set
	watchErr error
	fetches  int // locks taken: fetches made through the store
}

func (m *memStore) Get(_ context.Context, url string) (*cache.Document, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return nil, m.err
	}
	return m.docs[url], nil
}

func (m *memStore) Lock(_ context.Context, url string) (string, <-chan struct{}, error) {
	m.mu.Lock()
	err := m.err
	m.mu.Unlock()
	if err != nil {
		return "", nil, err
	}
	owner, released := m.locks.Lock(url)
	if owner != "" {
		m.mu.Lock()
		m.fetches++
		m.mu.Unlock()
	}
	return owner, released, nil
}

func (m *memStore) Unlock(_ context.Context, url, _ string) error {
	m.locks.Unlock(url)
	return nil
}

func (m *memStore) Put(_ context.Context, _ string, d *cache.Document) error {
	m.put(d)
	return nil
}

func (m *memStore) put(d *cache.Document) {
	m.mu.Lock()
	if m.docs == nil {
		m.docs = make(map[string]*cache.Document)
	}
	m.docs[d.URL] = d
	ws := append([]func(){}, m.watchers[d.URL]...)
	m.mu.Unlock()
	for _, w := range ws {
		w()
	}
}

func (m *memStore) Watch(url string, changed func()) (func(), error) {
	if m.watchErr != nil {
		return nil, m.watchErr
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.watchers == nil {
		m.watchers = make(map[string][]func())
	}
	m.watchers[url] = append(m.watchers[url], changed)
	return func() {}, nil
}

// Two caches over one store: one fetches, the other gets the document
// from the store, and a rotation one finds is live in the other at once.
func TestStoreSharesDocuments(t *testing.T) {
	iss := startIssuer(t)
	synctest.Test(t, func(t *testing.T) {
		st := &memStore{}
		recA, recB := &recorder{}, &recorder{}
		a := newCache(t, iss, cache.Config{Store: st, Metrics: recA.Hooks()})
		b := newCache(t, iss, cache.Config{Store: st, Metrics: recB.Hooks()})
		base := iss.Fetches()
		mustKey(t, a, iss.KID())
		mustKey(t, b, iss.KID())
		if got := iss.Fetches() - base; got != 1 {
			t.Fatalf("two caches, one store: %d fetches, want 1", got)
		}
		time.Sleep(time.Minute) // past the unknown-kid cooldown
		kid := iss.AddKey("ES256")
		mustKey(t, a, kid) // unknown kid: a fetches and shares
		mustKey(t, b, kid) // b got the notice
		if got := iss.Fetches() - base; got != 2 {
			t.Fatalf("rotation: %d fetches, want 2", got)
		}
		if ev := recB.last(t); ev.Trigger != observe.TriggerShared || !ev.Shared {
			t.Errorf("b's last refresh %+v, want shared", ev)
		}
	})
}

// The unknown-kid cooldown holds for every cache on a store: a document
// any of them fetched within it answers the others' unknown kids, so
// tokens with invented kids spread over replicas make no more fetches
// than they would at one.
func TestUnknownKIDCooldownAcrossStore(t *testing.T) {
	iss := startIssuer(t)
	synctest.Test(t, func(t *testing.T) {
		st := &memStore{}
		caches := make([]*keycache.Cache, 5)
		for i := range caches {
			caches[i] = newCache(t, iss, cache.Config{Store: st, UnknownKIDCooldown: 30 * time.Second})
			mustKey(t, caches[i], iss.KID())
		}
		base := iss.Fetches()
		start := time.Now()
		for i := 0; time.Since(start) < 5*time.Minute; i++ {
			caches[i%5].Key(context.Background(), fmt.Sprint("invented-", i)) // round robin
			time.Sleep(100 * time.Millisecond)
		}
		// One process alone: at most 5 min / 30 s + 1 = 11.
		if got := iss.Fetches() - base; got > 11 {
			t.Errorf("5 caches, one store, 5 minutes of invented kids: %d fetches, want ≤ 11", got)
		}
	})
}

// A store that fails is reported and bypassed; a document in it for
// another URL or issuer, or one that does not parse, is never served.
func TestStoreFailuresFallBack(t *testing.T) {
	iss := startIssuer(t)
	t.Run("store down", func(t *testing.T) {
		rec := &recorder{}
		c := newCache(t, iss, cache.Config{Store: &memStore{err: errors.New("connection refused")}, Metrics: rec.Hooks()})
		mustKey(t, c, iss.KID())
		if len(rec.storeErrors()) != 1 {
			t.Errorf("store errors reported: %v, want 1", rec.storeErrors())
		}
	})
	for name, doc := range map[string]*cache.Document{
		"other URL":    {URL: "https://evil.example/jwks", Issuer: iss.URL, Body: iss.JWKS(), FetchedAt: time.Now()},
		"other issuer": {URL: iss.JWKSURL(), Issuer: "https://evil.example/", Body: iss.JWKS(), FetchedAt: time.Now()},
		"garbage":      {URL: iss.JWKSURL(), Issuer: iss.URL, Body: []byte("{{{"), FetchedAt: time.Now()},
	} {
		t.Run(name, func(t *testing.T) {
			// Filed under our URL, whatever it names.
			st := &memStore{docs: map[string]*cache.Document{iss.JWKSURL(): doc}}
			rec := &recorder{}
			c := newCache(t, iss, cache.Config{Store: st, Metrics: rec.Hooks()})
			base := iss.Fetches()
			mustKey(t, c, iss.KID())
			if iss.Fetches() != base+1 || len(rec.storeErrors()) != 1 {
				t.Errorf("%d fetches, store errors %v; want one fetch and one error", iss.Fetches()-base, rec.storeErrors())
			}
			// The fetch went through the store, which replaced the bad entry.
			if d, _ := st.Get(context.Background(), iss.JWKSURL()); d == doc || d.Issuer != iss.URL || string(d.Body) != string(iss.JWKS()) {
				t.Errorf("the store still holds the refused document: %+v", d)
			}
		})
	}
}

// A fetched document without a usable key is refused before the store
// could share it.
func TestUnusableFetchNotShared(t *testing.T) {
	iss := startIssuer(t)
	st := &memStore{}
	c := newCache(t, iss, cache.Config{Store: st})
	mustKey(t, c, iss.KID())
	good, _ := st.Get(context.Background(), iss.JWKSURL())
	iss.DisableConditional()
	iss.SetBody([]byte(`{"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0"}]}`))
	if err := c.Refresh(context.Background()); !errors.Is(err, keycache.ErrBadDocument) {
		t.Fatalf("Refresh: %v, want ErrBadDocument", err)
	}
	if d, _ := st.Get(context.Background(), iss.JWKSURL()); d != good {
		t.Errorf("the store shares %s, want the last good document", d.Body)
	}
	mustKey(t, c, iss.KID())
}
