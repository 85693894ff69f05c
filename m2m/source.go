package m2m

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/jwtguard/jwtguard/internal/safehttp"
)

// TokenSource hands out one client-credentials token per lifetime. It
// implements oauth2.TokenSource and is safe for concurrent use. Create it
// with New and stop its goroutines with Close.
type TokenSource struct {
	cfg    Config
	cc     *clientcredentials.Config
	client *http.Client
	key    string
	store  Store

	// cur is the token serving now; nil before the first one. Readers
	// never lock.
	cur atomic.Pointer[held]
	// inflight is the refresh running now, if any.
	inflight atomic.Pointer[flight]
	// retryAt is the end of the backoff after failed refreshes, in Unix
	// nanoseconds of cfg.Now: read without the lock, written under it.
	retryAt atomic.Int64
	quota   atomic.Pointer[[]Quota]

	mu       sync.Mutex // serializes starting refreshes and their outcome
	failures int
	lastErr  error
	closed   bool

	wake chan struct{} // re-plans the background refresh
	done chan struct{} // closed by Close
	wg   sync.WaitGroup
}

var _ oauth2.TokenSource = (*TokenSource)(nil)

// New validates cfg and returns a TokenSource. It does not request a
// token: the first Token call does. New starts one goroutine, which plans
// the background refresh; each refresh runs in a goroutine of its own
// while it is in flight (one at a time). Close stops them all.
func New(cfg Config) (*TokenSource, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	params := cloneValues(cfg.EndpointParams)
	if cfg.Audience != "" {
		if params == nil {
			params = make(map[string][]string)
		}
		params.Set("audience", cfg.Audience)
	}
	s := &TokenSource{
		cfg: cfg,
		cc: &clientcredentials.Config{
			ClientID:       cfg.ClientID,
			ClientSecret:   cfg.ClientSecret,
			TokenURL:       cfg.TokenURL,
			Scopes:         cfg.Scopes,
			EndpointParams: params,
			AuthStyle:      cfg.AuthStyle,
		},
		client: safehttp.Client(cfg.HTTPClient),
		key:    sourceKey(&cfg),
		store:  cfg.Store,
		wake:   make(chan struct{}, 1),
		done:   make(chan struct{}),
	}
	if s.store == nil {
		s.store = NewMemoryStore(1)
	}
	s.wg.Add(1)
	go s.background()
	return s, nil
}

// Close stops the background refresh and cancels a refresh in flight. A
// token already held keeps serving until it expires; no refresh starts
// after Close. Close is idempotent and always returns nil.
func (s *TokenSource) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	f := s.inflight.Load()
	s.mu.Unlock()
	if f != nil {
		f.cancel()
	}
	close(s.done)
	s.wg.Wait()
	return nil
}

// Token implements oauth2.TokenSource: TokenContext without a bound on the
// wait (a refresh is bounded by Config.Timeout anyway).
func (s *TokenSource) Token() (*oauth2.Token, error) {
	return s.TokenContext(context.Background())
}

// TokenContext returns the token held, lock-free, until shortly before it
// expires (10 seconds, or a tenth of its lifetime if shorter); past
// Threshold of its lifetime it also starts the refresh that will replace
// it, without waiting for it. Without a valid token it starts a refresh,
// or joins the one in flight, and waits for it, bounded by ctx — unless
// the source is backing off after a failure, when it returns ErrBackoff at
// once. The returned token is shared: do not modify it.
func (s *TokenSource) TokenContext(ctx context.Context) (*oauth2.Token, error) {
	now := s.cfg.Now()
	h := s.cur.Load()
	if h != nil && now.Before(h.stop) {
		s.markUsed(h)
		if !now.Before(h.due) && s.inflight.Load() == nil && now.UnixNano() >= s.retryAt.Load() {
			_, _, _ = s.start(TriggerBackground)
		}
		s.served()
		return h.o, nil
	}
	trigger := TriggerInitial
	if h != nil {
		trigger = TriggerExpired
	}
	if s.inflight.Load() == nil && now.UnixNano() < s.retryAt.Load() {
		return nil, s.backoffError(now)
	}
	f, started, err := s.start(trigger)
	if err != nil {
		return nil, err
	}
	select {
	case <-f.done:
	case <-ctx.Done():
		return nil, fmt.Errorf("m2m: waiting for a token: %w", ctx.Err())
	}
	if f.err != nil {
		return nil, f.err
	}
	s.markUsed(f.held)
	if !started || !f.minted.Load() {
		s.served()
	}
	return f.held.o, nil
}

// Quota returns the quota buckets of the last answer that declared any
// (see ParseQuota), or nil.
func (s *TokenSource) Quota() []Quota {
	if q := s.quota.Load(); q != nil {
		return append([]Quota(nil), *q...)
	}
	return nil
}

// markUsed records that h was handed out; the first time, the background
// refresh is planned for it.
func (s *TokenSource) markUsed(h *held) {
	if !h.used.Load() && h.used.CompareAndSwap(false, true) {
		s.poke()
	}
}

func (s *TokenSource) served() {
	if h := s.cfg.Hooks; h != nil {
		h.TokenServed(s.cfg.Name)
	}
}

// backoffError is ErrBackoff wrapping the failure that started it.
func (s *TokenSource) backoffError(now time.Time) error {
	s.mu.Lock()
	last, closed := s.lastErr, s.closed
	s.mu.Unlock()
	if closed {
		return ErrClosed
	}
	left := time.Unix(0, s.retryAt.Load()).Sub(now)
	return fmt.Errorf("%w (%v left): %w", ErrBackoff, left.Round(time.Millisecond), last)
}

// String describes the source without its secret.
func (s *TokenSource) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "m2m.TokenSource{TokenURL: %q, ClientID: %q", s.cfg.TokenURL, s.cfg.ClientID)
	if s.cfg.Audience != "" {
		fmt.Fprintf(&b, ", Audience: %q", s.cfg.Audience)
	}
	b.WriteString("}")
	return b.String()
}

// GoString is String, so that %#v does not show the secret either.
func (s *TokenSource) GoString() string { return s.String() }
