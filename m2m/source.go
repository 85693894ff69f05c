package m2m

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/refresh"
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

	// eng holds the token serving now (nil before the first one; readers
	// never lock) and runs its refreshes.
	eng   *refresh.Engine[held, observe.TokenTrigger]
	hooks observe.Tokens // nil if nobody counts
	// apiNonces are the DPoP nonces of the APIs its Transports call:
	// scheme://host → the server's last nonce.
	apiNonces sync.Map
}

var _ oauth2.TokenSource = (*TokenSource)(nil)

// New validates cfg and returns a TokenSource. It does not request a
// token: the first Token call does. The background refresh waits on a
// timer; each refresh runs in a goroutine of its own while it is in
// flight (one at a time). Close stops them all.
func New(cfg Config) (*TokenSource, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	hooks, err := observe.Need(cfg.Metrics, func(h observe.Hooks) observe.Tokens { return h.Tokens }, "m2m: Config.Metrics", "*metrics.Collector")
	if err != nil {
		return nil, err
	}
	params := requestParams(&cfg)
	s := &TokenSource{
		cfg:   cfg,
		hooks: hooks,
		cc: &clientcredentials.Config{
			ClientID:       cfg.ClientID,
			ClientSecret:   cfg.ClientSecret,
			TokenURL:       cfg.TokenURL,
			Scopes:         cfg.Scopes,
			EndpointParams: params,
			AuthStyle:      cfg.AuthStyle,
		},
		client: tokenClient(cfg),
		key:    sourceKey(&cfg),
		store:  cfg.Store,
	}
	if s.store == nil {
		s.store = newMemoryStore(1)
	}
	s.eng = refresh.New(refresh.Config[held, observe.TokenTrigger]{
		Refresh:       s.refresh,
		Due:           s.due,
		Background:    observe.TokenBackground,
		Timeout:       cfg.Timeout,
		MinBackoff:    minBackoff,
		MaxBackoff:    maxBackoff,
		RetryAfter:    exchangeRetryAfter,
		MaxRetryAfter: safehttp.MaxRetryAfter,
	})
	return s, nil
}

// Close stops the background refresh and cancels a refresh in flight. A
// token already held keeps serving until it expires; no refresh starts
// after Close. Close is idempotent and always returns nil.
func (s *TokenSource) Close() error {
	s.eng.Close()
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
// the source is backing off after a failure, when it returns at once an
// error that says so and wraps that failure (ErrRejected or
// ErrUnavailable). The returned token is shared: do not modify it.
func (s *TokenSource) TokenContext(ctx context.Context) (*oauth2.Token, error) {
	now := time.Now()
	h := s.eng.Current()
	if h != nil && now.Before(h.due) {
		s.markUsed(h)
		s.served()
		return h.o, nil
	}
	r := refresh.Request[held, observe.TokenTrigger]{Seen: h, Level: refresh.None, Trigger: observe.TokenInitial}
	if h != nil {
		r.Trigger = observe.TokenExpired
		if now.Before(h.stop) {
			r.Level, r.Trigger = refresh.Due, observe.TokenBackground
		}
	}
	got, err := s.eng.Get(ctx, r)
	switch {
	case err != nil:
		return nil, s.failure(err)
	case got.Again:
		return s.TokenContext(ctx)
	case got.Value == nil:
		return nil, errNoToken
	}
	s.markUsed(got.Value)
	if !got.Started || !got.Value.minted {
		s.served()
	}
	return got.Value.o, nil
}

// failure turns the engine's failure into the error TokenContext returns.
func (s *TokenSource) failure(err error) error {
	var re *refresh.Error
	if !errors.As(err, &re) {
		return err
	}
	switch re.Reason {
	case refresh.Held:
		// Nothing was sent: the failure that started the backoff is the
		// answer, and says whether waiting will help.
		return fmt.Errorf("m2m: backing off after a failed token request (%v left): %w", re.RetryAfter.Round(time.Millisecond), re.Err)
	case refresh.GaveUp:
		return fmt.Errorf("m2m: waiting for a token: %w", re.Err)
	case refresh.Closed:
		if re.Err != nil {
			return fmt.Errorf("%w: %w", ErrClosed, re.Err)
		}
		return ErrClosed
	}
	return re.Err
}

// markUsed records that h was handed out; the first time, the background
// refresh is planned for it.
func (s *TokenSource) markUsed(h *held) {
	if !h.used.Load() && h.used.CompareAndSwap(false, true) {
		s.eng.Poke()
	}
}

func (s *TokenSource) served() {
	if h := s.hooks; h != nil {
		h.Served(s.cfg.Name)
	}
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

// requestParams are the parameters of cfg's token requests besides the
// credentials, the grant and the scope.
func requestParams(cfg *Config) url.Values {
	params := cloneValues(cfg.EndpointParams)
	if cfg.Audience == "" && len(cfg.Resource) == 0 {
		return params
	}
	if params == nil {
		params = make(url.Values)
	}
	if cfg.Audience != "" {
		params.Set("audience", cfg.Audience)
	}
	if len(cfg.Resource) > 0 {
		params["resource"] = slices.Clone(cfg.Resource)
	}
	return params
}

// tokenClient is the HTTP client of cfg's token requests: with a DPoP key,
// one that adds the proofs.
func tokenClient(cfg Config) *http.Client {
	c := safehttp.Client(cfg.HTTPClient)
	if cfg.DPoPKey == nil {
		return c
	}
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = &tokenRequestTransport{key: cfg.DPoPKey, base: base, nonces: &sync.Map{}}
	return c
}
