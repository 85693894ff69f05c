package m2m_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jwtguard/jwtguard/internal/m2mtest"
	"github.com/jwtguard/jwtguard/m2m"
)

func always(*m2m.Token) bool { return true }

func ignore(error) {}

// fetched is the outcome of one m2mtest.Fetch.
type fetched struct {
	tok *m2m.Token
	err error
}

// A caller waiting for another's mint (another source of the process
// sharing the store) takes its token; when that mint fails — the minter's
// context ended (its source was closed, its deadline passed) or the
// endpoint refused — the lock is released without a token, and the
// waiter, whose context is fine, takes it over and mints itself rather
// than inheriting an error that may not be its own. (Callers of one
// source share its one refresh; the proxy's identical requests share one
// trip, error included.)
func TestMemoryStoreWaiterOfAbandonedMint(t *testing.T) {
	errEndpoint := &m2m.ExchangeError{Status: http.StatusTooManyRequests, Err: errors.New("slow down")}
	tests := []struct {
		name string
		// end ends the first caller's mint: cancel its context, let its
		// deadline pass, or let the endpoint answer.
		end        func(cancel context.CancelFunc, answer chan<- struct{})
		wantFirst  error // what the first caller gets
		waiterMint bool  // the waiter minted itself
	}{
		{"minter canceled", func(cancel context.CancelFunc, _ chan<- struct{}) { cancel() }, context.Canceled, true},
		{"minter's deadline", func(context.CancelFunc, chan<- struct{}) { time.Sleep(time.Minute) }, context.DeadlineExceeded, true},
		{"endpoint error", func(_ context.CancelFunc, answer chan<- struct{}) { close(answer) }, m2m.ErrUnavailable, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				store := m2m.NewMemoryStore(10)
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				answer := make(chan struct{})
				first := make(chan fetched, 1)
				go func() {
					tok, err := m2mtest.Fetch(ctx, store, "k", always, func(ctx context.Context) (*m2m.Token, error) {
						select {
						case <-ctx.Done():
							return nil, fmt.Errorf("requesting: %w", ctx.Err())
						case <-answer:
							return nil, errEndpoint
						}
					}, ignore)
					first <- fetched{tok, err}
				}()
				synctest.Wait() // the first caller is minting

				var waiterMinted atomic.Bool
				waiter := make(chan fetched, 1)
				go func() {
					tok, err := m2mtest.Fetch(context.Background(), store, "k", always, func(context.Context) (*m2m.Token, error) {
						waiterMinted.Store(true)
						return &m2m.Token{AccessToken: "waiter's", Issued: time.Now(), Expiry: time.Now().Add(time.Hour)}, nil
					}, ignore)
					waiter <- fetched{tok, err}
				}()
				synctest.Wait() // the waiter waits for the first caller's mint

				tt.end(cancel, answer)
				if got := <-first; !errors.Is(got.err, tt.wantFirst) {
					t.Fatalf("first caller: %v, want %v", got.err, tt.wantFirst)
				}
				got := <-waiter
				if waiterMinted.Load() != tt.waiterMint {
					t.Fatalf("waiter minted: %v, want %v", waiterMinted.Load(), tt.waiterMint)
				}
				if tt.waiterMint {
					if got.err != nil || got.tok == nil || got.tok.AccessToken != "waiter's" {
						t.Fatalf("waiter got %+v, %v; want the token it minted", got.tok, got.err)
					}
					if m2m.StoreLen(store) != 1 {
						t.Errorf("%d tokens kept, want the waiter's", m2m.StoreLen(store))
					}
					return
				}
				if !errors.Is(got.err, errEndpoint) {
					t.Fatalf("waiter got %+v, %v; want the endpoint's error the first caller got", got.tok, got.err)
				}
			})
		})
	}
}

// A token that expired on arrival (the endpoint said expires_in 0) is
// returned to the caller who minted it but not kept.
func TestMemoryStoreKeepsNoExpiredToken(t *testing.T) {
	store := m2m.NewMemoryStore(10)
	mints := 0
	mint := func(context.Context) (*m2m.Token, error) {
		mints++
		now := time.Now()
		return &m2m.Token{AccessToken: fmt.Sprint("t", mints), Issued: now, Expiry: now}, nil
	}
	for i := 1; i <= 2; i++ {
		tok, err := m2mtest.Fetch(context.Background(), store, "k", always, mint, ignore)
		if err != nil || tok.AccessToken != fmt.Sprint("t", i) {
			t.Fatalf("fetch %d: %+v, %v; want a new token", i, tok, err)
		}
	}
	if mints != 2 || m2m.StoreLen(store) != 0 {
		t.Fatalf("%d mints, %d kept; want 2 and none", mints, m2m.StoreLen(store))
	}
}

// Sources sharing a store with the same client id but another secret do
// not share the token: the wrong secret gets the endpoint's rejection,
// never the right one's token.
func TestSharedStoreWrongSecret(t *testing.T) {
	iss, requests := newIssuer(t)
	store := m2m.NewMemoryStore(10)
	right := sourceConfig(iss, nil)
	right.Store = store
	good, err := m2mtest.NewSource(t, right).Token()
	if err != nil {
		t.Fatal(err)
	}
	wrong := right
	wrong.ClientSecret = "not " + testSecret
	tok, err := m2mtest.NewSource(t, wrong).Token()
	if tok != nil || !errors.Is(err, m2m.ErrRejected) {
		t.Fatalf("wrong secret: %v (the right one's: %v), %v; want ErrRejected", tok, tok != nil && tok.AccessToken == good.AccessToken, err)
	}
	if requests.Load() != 2 || m2m.StoreLen(store) != 1 {
		t.Fatalf("%d token requests, %d kept; want 2 (one each) and the right one's", requests.Load(), m2m.StoreLen(store))
	}
}
