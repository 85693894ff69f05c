package redistoken_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/jwtguard/jwtguard/internal/hangtest"
	"github.com/jwtguard/jwtguard/internal/m2mtest"
	"github.com/jwtguard/jwtguard/m2m"
	"github.com/jwtguard/jwtguard/m2m/redistoken"
)

func always(*m2m.Token) bool { return true }

func ignore(error) {}

// fetched is the outcome of one m2mtest.Fetch.
type fetched struct {
	tok *m2m.Token
	err error
}

// inBubble runs f in a synctest bubble with a Store on a Redis client of
// the bubble (miniredis runs outside it; go-redis starts no goroutine).
func inBubble(t *testing.T, f func(t *testing.T, store m2m.Store)) {
	mr := miniredis.RunT(t)
	synctest.Test(t, func(t *testing.T) {
		c := redis.NewClient(&redis.Options{Addr: mr.Addr(), ContextTimeoutEnabled: true})
		defer c.Close()
		store, err := redistoken.New(redistoken.Config{Client: c, Key: sealKey})
		if err != nil {
			t.Fatal(err)
		}
		f(t, store)
	})
}

// A caller waiting for another's Fetch does not take its error when that
// Fetch ended because its own context did: it fetches itself.
func TestFetchWaiterOfAbandonedFetch(t *testing.T) {
	inBubble(t, func(t *testing.T, store m2m.Store) {
		ctx, cancel := context.WithCancel(context.Background())
		first := make(chan fetched, 1)
		go func() {
			tok, err := m2mtest.Fetch(ctx, store, "k", always, func(ctx context.Context) (*m2m.Token, error) {
				<-ctx.Done()
				return nil, fmt.Errorf("requesting: %w", ctx.Err())
			}, ignore)
			first <- fetched{tok, err}
		}()
		synctest.Wait() // the first caller is minting
		waiter := make(chan fetched, 1)
		go func() {
			tok, err := m2mtest.Fetch(context.Background(), store, "k", always, func(context.Context) (*m2m.Token, error) {
				return &m2m.Token{AccessToken: "waiter's", Issued: time.Now(), Expiry: time.Now().Add(time.Hour)}, nil
			}, ignore)
			waiter <- fetched{tok, err}
		}()
		synctest.Wait() // the waiter waits for it
		cancel()
		if r := <-first; !errors.Is(r.err, context.Canceled) {
			t.Fatalf("first caller: %v, want context.Canceled", r.err)
		}
		if r := <-waiter; r.err != nil || r.tok.AccessToken != "waiter's" {
			t.Fatalf("waiter: %+v, %v; want the token it minted", r.tok, r.err)
		}
	})
}

// Twenty concurrent identical requests to a proxy on Redis, while the
// upstream answers 429, make one upstream request, whose answer all
// twenty get.
func TestProxyCoalescesUpstreamErrors(t *testing.T) {
	var calls atomic.Int64
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"error":"too_many_requests"}`)
	}))
	defer up.Close()
	inBubble(t, func(t *testing.T, store m2m.Store) {
		gate := hangtest.NewGate()
		gate.Shut()
		p, err := m2m.NewProxy(m2m.ProxyConfig{TokenURL: up.URL, Secret: []byte("the proxies' shared secret, 32+ bytes"),
			Store: store, HTTPClient: gate.Client()})
		if err != nil {
			t.Fatal(err)
		}
		body := url.Values{"grant_type": {"client_credentials"}, "client_id": {testClient}, "client_secret": {testSecret}}.Encode()
		const callers = 20
		var wg sync.WaitGroup
		codes := make(chan int, callers)
		for range callers {
			wg.Go(func() {
				r := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(body))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				w := httptest.NewRecorder()
				p.ServeHTTP(w, r)
				codes <- w.Code
			})
		}
		synctest.Wait()
		if got := gate.Held(); got != 1 {
			t.Errorf("%d upstream requests under way, want 1", got)
		}
		gate.Open()
		wg.Wait()
		for range callers {
			if code := <-codes; code != http.StatusTooManyRequests {
				t.Fatalf("a caller got %d, want upstream's 429", code)
			}
		}
		if got := calls.Load(); got != 1 {
			t.Fatalf("%d upstream requests for %d concurrent callers, want 1", got, callers)
		}
	})
}
