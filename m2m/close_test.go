package m2m_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/jwtguard/jwtguard/internal/m2mtest"
	"github.com/jwtguard/jwtguard/issuertest"
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
		if r.URL.Path == issuertest.TokenPath {
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

// noTokenStore is a faulty Store: no token, and no error.
type noTokenStore struct{}

func (noTokenStore) Fetch(context.Context, string, func(*m2m.Token) bool, m2m.MintFunc, func(error)) (*m2m.Token, error) {
	return nil, nil
}

// A Store that returns neither a token nor an error fails the source's
// refresh and the proxy's request, instead of crashing them.
func TestStoreWithoutToken(t *testing.T) {
	iss, _ := newIssuer(t)
	t.Run("source", func(t *testing.T) {
		cfg := sourceConfig(iss, nil)
		cfg.Store = noTokenStore{}
		tok, err := m2mtest.NewSource(t, cfg).Token()
		if tok != nil || err == nil || !strings.Contains(err.Error(), "m2m: store returned no token") {
			t.Fatalf("Token() = %v, %v; want the store's fault as an error", tok, err)
		}
	})
	t.Run("proxy", func(t *testing.T) {
		p := newProxy(t, iss, func(c *m2m.ProxyConfig) { c.Store = noTokenStore{} })
		if w := post(p, formType, form(testClient, testSecret)); w.Code != http.StatusBadGateway {
			t.Fatalf("proxy answered %d %s, want 502", w.Code, w.Body)
		}
	})
}
