package redistoken_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/jwtguard/jwtguard/internal/m2mtest"
	"github.com/jwtguard/jwtguard/internal/redislock/redislocktest"
	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/m2m"
	"github.com/jwtguard/jwtguard/m2m/redistoken"
)

// hangingStore is a Store on a Redis that accepts connections and never
// answers, its calls cut off after timeout.
func hangingStore(t *testing.T, timeout time.Duration) m2m.Store {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: redislocktest.Blackhole(t), ContextTimeoutEnabled: true})
	t.Cleanup(func() { c.Close() })
	s, err := redistoken.New(redistoken.Config{Client: c, Key: sealKey, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A Redis that hangs costs a refresh Config.Timeout of the store, not the
// whole refresh: the token is minted without Redis, and the failure
// reported.
func TestSlowRedisDoesNotStallRefreshes(t *testing.T) {
	const timeout = 100 * time.Millisecond
	// The refreshes may take 5 s; anything near that means the store's
	// Timeout did not bound the Redis call.
	const refreshTimeout, bound = 5 * time.Second, 2 * time.Second

	t.Run("a source gets its token", func(t *testing.T) {
		iss := newIssuer(t)
		h := newHooks()
		cfg := sourceConfig(iss, hangingStore(t, timeout), h)
		cfg.Timeout = refreshTimeout
		ts := m2mtest.NewSource(t, cfg)
		start := time.Now()
		tok, err := ts.Token()
		elapsed := time.Since(start)
		if err != nil || tok.AccessToken == "" || iss.Mints() != 1 {
			t.Fatalf("Token = %v, %v after %d mints; want a token minted without Redis", tok, err, iss.Mints())
		}
		errs := h.StoreErrors()
		if len(errs) != 1 || !errors.Is(errs[0], context.DeadlineExceeded) || !strings.HasPrefix(errs[0].Error(), "redistoken: ") {
			t.Fatalf("store errors %v, want one redistoken timeout", errs)
		}
		if elapsed > bound {
			t.Fatalf("Token took %v with a %v store Timeout", elapsed, timeout)
		}
	})

	t.Run("a proxy answers", func(t *testing.T) {
		iss := newIssuer(t)
		h := newHooks()
		p, err := m2m.NewProxy(m2m.ProxyConfig{TokenURL: iss.URL + testissuer.TokenPath, Secret: []byte("the proxies' shared secret, 32+ bytes"),
			Store: hangingStore(t, timeout), Metrics: h, Timeout: refreshTimeout})
		if err != nil {
			t.Fatal(err)
		}
		body := url.Values{"grant_type": {"client_credentials"}, "client_id": {testClient}, "client_secret": {testSecret}}.Encode()
		r := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		start := time.Now()
		p.ServeHTTP(w, r)
		if elapsed := time.Since(start); w.Code != http.StatusOK || iss.Mints() != 1 || len(h.StoreErrors()) != 1 || elapsed > bound {
			t.Fatalf("proxy: %d %s after %v, %d mints, store errors %v; want a token minted without Redis, the failure reported",
				w.Code, w.Body, elapsed, iss.Mints(), h.StoreErrors())
		}
	})
}

// A Fetch whose context ends while Redis hangs returns the context's
// error: Redis is not at fault, and there is no time left to mint.
func TestFetchWithContextDone(t *testing.T) {
	s := hangingStore(t, time.Minute)
	tests := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want error
	}{
		{"deadline passes", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 50*time.Millisecond)
		}, context.DeadlineExceeded},
		{"canceled before", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, cancel
		}, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := tt.ctx()
			defer cancel()
			var reported []error
			minted := false
			tok, err := m2mtest.Fetch(ctx, s, "k", always, func(context.Context) (*m2m.Token, error) {
				minted = true
				return &m2m.Token{AccessToken: "t", Issued: time.Now(), Expiry: time.Now().Add(time.Hour)}, nil
			}, func(err error) { reported = append(reported, err) })
			if tok != nil || !errors.Is(err, tt.want) {
				t.Fatalf("Fetch = %v, %v; want an error wrapping %v", tok, err, tt.want)
			}
			if minted || len(reported) != 0 {
				t.Fatalf("minted: %v, reported %v; want neither", minted, reported)
			}
		})
	}
}

// A Redis that refuses connections: the store's error says so.
func TestRedisDownSaysWhy(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: redislocktest.Refused(t), ContextTimeoutEnabled: true})
	t.Cleanup(func() { c.Close() })
	s, err := redistoken.New(redistoken.Config{Client: c, Key: sealKey, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Get(context.Background(), "some-key")
	if err == nil || !strings.Contains(err.Error(), "connection refused") || !strings.HasPrefix(err.Error(), "redistoken: ") {
		t.Fatalf("Get from a Redis that refuses connections: %v, want the refusal named", err)
	}
}
