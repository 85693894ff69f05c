package m2m_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"testing"

	"github.com/jwtguard/jwtguard/internal/m2mtest"
	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/m2m"
)

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A refresh that Close cancels is no failure: it is neither reported to
// the hooks nor logged, and the caller waiting for it gets ErrClosed.
func TestCloseCancelsRefreshQuietly(t *testing.T) {
	iss, _ := newIssuer(t)
	requested := make(chan struct{}, 1)
	iss.OnRequest(func(r *http.Request) {
		if r.URL.Path == testissuer.TokenPath {
			requested <- struct{}{}
		}
	})
	release := iss.BlockTokens()
	defer release()
	h := newHooks()
	var logs syncBuffer
	cfg := sourceConfig(iss, h)
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ts, err := m2m.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	waiting := make(chan error, 1)
	go func() {
		_, err := ts.Token()
		waiting <- err
	}()
	<-requested // the refresh is at the endpoint, the caller waits for it
	if err := ts.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-waiting; !errors.Is(err, m2m.ErrClosed) {
		t.Fatalf("the waiting caller got %v, want ErrClosed", err)
	}
	// Close waited for the refresh to end: whatever it reported is in.
	if got := h.Results(); len(got) != 0 {
		t.Errorf("refreshes reported %v, want none", got)
	}
	if s := logs.String(); s != "" {
		t.Errorf("logged:\n%s\nwant nothing", s)
	}
}

// forgetful is a Store that keeps nothing: every Get finds no token, and
// every Lock is granted.
type forgetful struct{}

func (forgetful) Get(context.Context, string) (*m2m.Token, error) { return nil, nil }
func (forgetful) Lock(context.Context, string) (string, <-chan struct{}, error) {
	return "owner", nil, nil
}
func (forgetful) Unlock(context.Context, string, string) error  { return nil }
func (forgetful) Put(context.Context, string, *m2m.Token) error { return nil }

// A Store that keeps nothing costs a token request per refresh (source)
// or per request (proxy), and nothing else: callers get their tokens.
func TestStoreThatKeepsNothing(t *testing.T) {
	iss, requests := newIssuer(t)
	t.Run("source", func(t *testing.T) {
		cfg := sourceConfig(iss, nil)
		cfg.Store = forgetful{}
		ts := m2mtest.NewSource(t, cfg)
		for range 3 {
			if tok, err := ts.Token(); err != nil || tok.AccessToken == "" {
				t.Fatalf("Token() = %v, %v; want a token", tok, err)
			}
		}
		if got := requests.Load(); got != 1 {
			t.Fatalf("%d token requests for a token held in the source, want 1", got)
		}
	})
	t.Run("proxy", func(t *testing.T) {
		before := requests.Load()
		p := newProxy(t, iss, func(c *m2m.ProxyConfig) { c.Store = forgetful{} })
		for range 2 {
			if w := post(p, formType, form(testClient, testSecret)); w.Code != http.StatusOK {
				t.Fatalf("proxy answered %d %s, want 200", w.Code, w.Body)
			}
		}
		if got := requests.Load() - before; got != 2 {
			t.Fatalf("%d token requests for 2 proxy requests with nothing kept, want 2", got)
		}
	})
}
