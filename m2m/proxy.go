package m2m

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/safehttp"
	"github.com/jwtguard/jwtguard/internal/tokenflight"
)

// defaultMaxBodyBytes is the default of ProxyConfig.MaxBodyBytes.
const defaultMaxBodyBytes = 64 << 10

// minProxySecretBytes is the least length of ProxyConfig.Secret.
const minProxySecretBytes = 32

// ProxyConfig configures the proxy NewProxy returns. It is plain data: a
// zero field means the documented default, and NewProxy validates it once.
type ProxyConfig struct {
	// TokenURL is the upstream token endpoint. Required. It must be https,
	// or http on a loopback address, unless InsecureAllowHTTP is set.
	TokenURL string
	// Secret keys the HMAC that names cache entries: at least 32 random
	// bytes, the same on every replica sharing a Store. Required.
	Secret []byte
	// Threshold is the fraction of a token's lifetime after which the
	// cache no longer answers with it; it must be in (0,1). If zero, 0.8.
	Threshold float64
	// AssumedLifetime is how long a token whose upstream answer had no
	// expires_in is kept. If zero, 5 minutes. A token whose expires_in is
	// zero or negative is passed on, not kept.
	AssumedLifetime time.Duration
	// MaxAge bounds how long after it was minted a cached token is still
	// handed out, whatever its lifetime; it must not be negative. If
	// zero, a token is handed out until Threshold of its lifetime.
	//
	// The cache answers from what it holds without asking upstream: a
	// caller whose secret was rotated or revoked upstream keeps getting
	// the token cached for it (with the old secret) until then. The
	// exposure is bounded by that token's lifetime — it was issued, and
	// stays valid, anyway — and MaxAge shortens it at the cost of more
	// upstream requests.
	MaxAge time.Duration
	// Store holds the tokens: an m2m/redistoken store shares them between
	// replicas. If nil, the proxy keeps them in its own memory, up to
	// 10 000, dropping the least recently used beyond.
	Store Store
	// MaxBodyBytes caps a request body; longer ones are answered 413. If
	// zero, 64 KiB.
	MaxBodyBytes int64
	// HTTPClient makes the upstream requests. If nil, http.DefaultClient
	// is used. Its redirect policy is wrapped: redirects to another host or
	// from https to http are refused.
	HTTPClient *http.Client
	// Timeout bounds the upstream request and the wait for another
	// request's. If zero, 30 seconds.
	Timeout time.Duration
	// InsecureAllowHTTP allows a plain http TokenURL on any host. Never set
	// it in production: client secrets would cross the network in clear.
	InsecureAllowHTTP bool

	// Name identifies the proxy in metrics (a label value). If empty,
	// "proxy" is used.
	Name string
	// Metrics counts requests by result, upstream calls and cache hits: a
	// *metrics.Collector (package metrics). If nil, nothing is counted.
	Metrics observe.Source
	// Logger receives upstream failures at warn. If nil, nothing is
	// logged.
	Logger *slog.Logger
}

// proxy is a caching client-credentials token endpoint in front of an
// upstream one; see the package documentation.
type proxy struct {
	cfg     ProxyConfig
	client  *http.Client
	flights tokenflight.Group[*Token] // store trips in flight, by key
	hooks   observe.Tokens            // nil if nobody counts
}

// NewProxy validates cfg and returns the proxy: an http.Handler that
// answers client-credentials token requests (mount it where callers expect
// the token endpoint, e.g. POST /oauth/token). It is safe for concurrent
// use and starts no goroutine.
func NewProxy(cfg ProxyConfig) (http.Handler, error) {
	err := common{
		typ: "ProxyConfig", tokenURL: cfg.TokenURL, insecure: cfg.InsecureAllowHTTP,
		threshold: &cfg.Threshold, assumed: &cfg.AssumedLifetime, timeout: &cfg.Timeout,
		logger: &cfg.Logger,
	}.check()
	if err != nil {
		return nil, err
	}
	if len(cfg.Secret) < minProxySecretBytes {
		return nil, fmt.Errorf("m2m: ProxyConfig.Secret must be at least %d bytes (got %d)", minProxySecretBytes, len(cfg.Secret))
	}
	cfg.Secret = append([]byte(nil), cfg.Secret...)
	if cfg.MaxAge < 0 {
		return nil, fmt.Errorf("m2m: ProxyConfig.MaxAge must not be negative (got %v)", cfg.MaxAge)
	}
	if cfg.MaxBodyBytes < 0 {
		return nil, fmt.Errorf("m2m: ProxyConfig.MaxBodyBytes must not be negative (got %d)", cfg.MaxBodyBytes)
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = defaultMaxBodyBytes
	}
	if cfg.Store == nil {
		cfg.Store = newMemoryStore(proxyMaxEntries)
	}
	if cfg.Name == "" {
		cfg.Name = "proxy"
	}
	hooks, err := observe.Need(cfg.Metrics, func(h observe.Hooks) observe.Tokens { return h.Tokens }, "m2m: ProxyConfig.Metrics", "*metrics.Collector")
	if err != nil {
		return nil, err
	}
	return &proxy{cfg: cfg, client: safehttp.Client(cfg.HTTPClient), hooks: hooks}, nil
}

// ServeHTTP answers a client-credentials token request.
func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req, rerr := parseRequest(w, r, p.cfg.MaxBodyBytes)
	if rerr != nil {
		p.report(observe.ProxyRejected)
		writeError(w, rerr)
		return
	}
	if proofs := r.Header.Values("DPoP"); len(proofs) > 0 {
		p.forwardDPoP(w, r, req, proofs)
		return
	}
	// Detached from the caller, so that a caller who hangs up does not
	// fail the others waiting for the same upstream call.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), p.cfg.Timeout)
	defer cancel()
	var up answer // the upstream answer, if this request minted
	mint := func(ctx context.Context) (*Token, error) {
		begin := time.Now()
		t, a, err := exchange(ctx, p.upstream(req), p.client, p.cfg.AssumedLifetime)
		up = a
		ev := observe.TokenRefresh{Source: p.cfg.Name, Trigger: observe.TokenProxy, Result: observe.TokenMinted, Duration: time.Now().Sub(begin)}
		if err != nil {
			ev.Result, ev.Err, ev.Status = observe.TokenFailed, err, a.status
			p.cfg.Logger.Warn("m2m: upstream token request failed", "proxy", p.cfg.Name, "err", err)
		}
		if h := p.hooks; h != nil {
			h.Refreshed(ev)
		}
		return t, err
	}
	// Identical requests in flight share one trip to the store (and one
	// upstream call): the first runs it, the others take its result.
	key := p.key(req)
	minted := false
	t, err := p.flights.Do(ctx, key, func(ctx context.Context) (*Token, error) {
		t, m, err := fetchToken(ctx, p.cfg.Store, key, p.usable, mint, p.storeFailed, p.cfg.Timeout)
		minted = m
		return t, err
	})
	if err != nil {
		p.report(observe.ProxyUpstreamError)
		passError(w, err)
		return
	}
	if minted {
		p.report(observe.ProxyMiss)
		for _, name := range []string{clientQuotaHeader, organizationQuotaHeader} {
			if v := up.header.Get(name); v != "" {
				w.Header().Set(name, v)
			}
		}
	} else {
		p.report(observe.ProxyHit)
		if h := p.hooks; h != nil {
			h.Served(p.cfg.Name)
		}
	}
	p.writeToken(w, t)
}

// writeToken answers t, its expires_in what is left of its lifetime.
func (p *proxy) writeToken(w http.ResponseWriter, t *Token) {
	body := map[string]any{
		"access_token": t.AccessToken,
		"expires_in":   max(0, int64(t.Expiry.Sub(time.Now())/time.Second)),
	}
	if t.TokenType != "" {
		body["token_type"] = t.TokenType
	}
	if t.Scope != "" {
		body["scope"] = t.Scope
	}
	writeJSON(w, http.StatusOK, body)
}

// forwardDPoP sends a DPoP token request (RFC 9449 §5) upstream with its
// proofs, uncached and alone, and passes the answer back, the endpoint's
// DPoP-Nonce included: a token bound to a key reaches only the caller
// whose proof holds that key, and nobody else's request. The proof must
// name the upstream token endpoint (htu), which checks it.
func (p *proxy) forwardDPoP(w http.ResponseWriter, r *http.Request, req *tokenRequest, proofs []string) {
	ctx, cancel := context.WithTimeout(r.Context(), p.cfg.Timeout)
	defer cancel()
	c := *p.client
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = roundTripper(func(up *http.Request) (*http.Response, error) {
		up = up.Clone(up.Context())
		up.Header["Dpop"] = proofs
		return base.RoundTrip(up)
	})
	begin := time.Now()
	t, a, err := exchange(ctx, p.upstream(req), &c, p.cfg.AssumedLifetime)
	if n := a.header.Get("DPoP-Nonce"); n != "" {
		w.Header().Set("DPoP-Nonce", n)
	}
	if h := p.hooks; h != nil {
		ev := observe.TokenRefresh{Source: p.cfg.Name, Trigger: observe.TokenProxy, Result: observe.TokenMinted, Duration: time.Now().Sub(begin)}
		if err != nil {
			ev.Result, ev.Err, ev.Status = observe.TokenFailed, err, a.status
		}
		h.Refreshed(ev)
	}
	if err != nil {
		p.report(observe.ProxyUpstreamError)
		passError(w, err)
		return
	}
	p.report(observe.ProxyMiss)
	p.writeToken(w, t)
}

// roundTripper is a function as an http.RoundTripper.
type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// usable reports whether the cache may still answer with t: before
// Threshold of its lifetime, and within MaxAge of its minting.
func (p *proxy) usable(t *Token) bool {
	now := time.Now()
	if p.cfg.MaxAge > 0 && !now.Before(t.Issued.Add(p.cfg.MaxAge)) {
		return false
	}
	return now.Before(t.due(p.cfg.Threshold))
}

// upstream is the request to forward: the caller's credentials sent the
// way the caller sent them, its scopes and other parameters.
func (p *proxy) upstream(req *tokenRequest) *clientcredentials.Config {
	return &clientcredentials.Config{
		ClientID:       req.clientID,
		ClientSecret:   req.clientSecret,
		TokenURL:       p.cfg.TokenURL,
		Scopes:         req.scopes,
		EndpointParams: req.params,
		AuthStyle:      req.style,
	}
}

// key is the cache key of req: an HMAC, under the proxy's secret, of the
// upstream token URL (proxies sharing a store and secret in front of
// different endpoints do not mix), how the caller sent its credentials
// (they go upstream the same way, and an endpoint may take one way only:
// one caller's way must not fail another's), the client id, client
// secret, scopes (sorted) and other parameters.
func (p *proxy) key(req *tokenRequest) string {
	return newKey("jwtguard/m2m/proxy/v2", p.cfg.Secret).
		add(p.cfg.TokenURL).add(strconv.Itoa(int(req.style))).
		add(req.clientID).add(req.clientSecret).
		add(normalScope(req.scopes)).add(req.params.Encode()).sum()
}

// passedHeaders are the headers of an upstream error answer passed on;
// Cache-Control is always no-store.
var passedHeaders = []string{
	"Content-Type", "Retry-After", "WWW-Authenticate", "Pragma", "DPoP-Nonce",
	clientQuotaHeader, organizationQuotaHeader,
	"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
}

// passError answers with the upstream error answer as it came — status,
// body and the headers that matter — or 502 if there was none. Either is
// marked not to be stored (it answers one client's credentials) nor
// sniffed as another content type.
func passError(w http.ResponseWriter, err error) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		for _, name := range passedHeaders {
			if v := re.Response.Header.Values(name); len(v) > 0 {
				w.Header()[name] = v
			}
		}
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(re.Response.StatusCode)
		_, _ = w.Write(re.Body)
		return
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(minBackoff/time.Second)))
	writeJSON(w, http.StatusBadGateway, map[string]string{
		"error":             "temporarily_unavailable",
		"error_description": "the upstream token endpoint did not answer",
	})
}

func (p *proxy) report(r observe.ProxyResult) {
	if h := p.hooks; h != nil {
		h.ProxyRequest(p.cfg.Name, r)
	}
}

func (p *proxy) storeFailed(err error) {
	p.cfg.Logger.Warn("m2m: store failed; requesting the token without it", "proxy", p.cfg.Name, "err", err)
	if h := p.hooks; h != nil {
		h.StoreFailed(p.cfg.Name, err)
	}
}
