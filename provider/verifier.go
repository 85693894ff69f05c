package provider

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/jsonobj"
	"github.com/jwtguard/jwtguard/internal/jwa"
	"github.com/jwtguard/jwtguard/internal/keycache"
	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/reasons"
)

// defaultMaxTokenBytes is the default of VerifierConfig.MaxTokenBytes.
const defaultMaxTokenBytes = 16 << 10

// VerifierConfig configures a Verifier.
type VerifierConfig struct {
	// Providers are the issuers known at start-up, each once. At least
	// one is required, unless Tenants.Resolver is set.
	Providers []Provider
	// Tenants configures the issuers resolved at run time, for a service
	// with many (one per customer): see TenantsConfig. A token's issuer is
	// looked up in Providers first.
	Tenants TenantsConfig
	// Cache configures every provider's and tenant's key cache, but those
	// CacheByIssuer names (see package cache). Its zero value means the
	// cache defaults. Each cache fetches its provider's JWKSURL.
	Cache cache.Config
	// CacheByIssuer configures the key caches of some providers, by
	// issuer, instead of Cache: e.g. a shorter Interval for the issuer
	// that rotates often. Each issuer must be a provider's.
	CacheByIssuer map[string]cache.Config
	// MaxTokenBytes rejects longer tokens before any parsing. If zero,
	// 16 KiB.
	MaxTokenBytes int
	// Leeway is the clock skew allowed on exp and nbf. Zero allows none.
	Leeway time.Duration
	// Metrics counts verifications, the token cache's hits and the key
	// caches' refreshes (unless a cache.Config sets its own): a
	// *metrics.Collector (package metrics; NewVerifier refuses any
	// other), given here once. If nil, nothing is counted.
	Metrics observe.Source
	// TokenCache configures the cache of verified tokens, on unless
	// Disabled.
	TokenCache TokenCacheConfig
}

// Verifier verifies tokens from one or more providers: it routes a token by
// its issuer, checks its header, signature (with the key the provider's
// cache holds for its kid) and lifetime, then the provider's rules. It is
// safe for concurrent use; Close stops its caches.
type Verifier struct {
	routes   map[string]*route
	leeway   time.Duration
	maxBytes int
	hooks    observe.Verifications
	tokens   *tokens  // nil if disabled
	tenants  *tenants // nil without a Resolver
}

// route is everything needed for one issuer.
type route struct {
	p      Provider
	issuer string
	algs   []string
	cache  *keycache.Cache
	tenantRoute
}

// NewVerifier validates cfg and creates one key cache per provider. It
// does not fetch; call Load to fetch all keys before serving.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	if len(cfg.Providers) == 0 && cfg.Tenants.Resolver == nil {
		return nil, errors.New("provider: VerifierConfig.Providers is empty (and there is no Tenants.Resolver)")
	}
	if cfg.MaxTokenBytes < 0 || cfg.Leeway < 0 {
		return nil, errors.New("provider: VerifierConfig.MaxTokenBytes and Leeway must not be negative")
	}
	if err := keycache.Check(cfg.Cache); err != nil {
		return nil, fmt.Errorf("provider: VerifierConfig.Cache: %w", err)
	}
	issuers := make(map[string]bool, len(cfg.Providers))
	for _, p := range cfg.Providers {
		if p != nil {
			issuers[p.Issuer()] = true
		}
	}
	for iss, cc := range cfg.CacheByIssuer {
		if !issuers[iss] {
			return nil, fmt.Errorf("provider: VerifierConfig.CacheByIssuer names issuer %q, which no provider has", iss)
		}
		if err := keycache.Check(cc); err != nil {
			return nil, fmt.Errorf("provider: VerifierConfig.CacheByIssuer[%q]: %w", iss, err)
		}
	}
	hooks, err := observe.Need(cfg.Metrics, func(h observe.Hooks) observe.Verifications { return h.Verifications },
		"provider: VerifierConfig.Metrics", "*metrics.Collector")
	if err != nil {
		return nil, err
	}
	t, err := newTokens(cfg.TokenCache, cfg.Leeway, hooks)
	if err != nil {
		return nil, err
	}
	withHooks := func(cc cache.Config) cache.Config {
		if cc.Metrics == nil && observe.From(cfg.Metrics).Keys != nil {
			cc.Metrics = cfg.Metrics
		}
		return cc
	}
	tn, err := newTenants(cfg.Tenants, withHooks(cfg.Cache))
	if err != nil {
		return nil, err
	}
	v := &Verifier{
		routes:   make(map[string]*route, len(cfg.Providers)),
		maxBytes: orDefault(cfg.MaxTokenBytes, defaultMaxTokenBytes),
		hooks:    hooks,
		leeway:   cfg.Leeway,
		tokens:   t,
		tenants:  tn,
	}
	for _, p := range cfg.Providers {
		cc := cfg.Cache
		if p != nil {
			if c, ok := cfg.CacheByIssuer[p.Issuer()]; ok {
				cc = c
			}
		}
		r, err := newRoute(p, withHooks(cc))
		if err == nil && v.routes[r.issuer] != nil {
			r.cache.Close()
			err = fmt.Errorf("provider: issuer %q configured twice", r.issuer)
		}
		if err != nil {
			v.Close()
			return nil, err
		}
		v.routes[r.issuer] = r
	}
	return v, nil
}

func newRoute(p Provider, cc cache.Config) (*route, error) {
	if p == nil {
		return nil, errors.New("provider: nil Provider")
	}
	r := &route{p: p, issuer: p.Issuer(), algs: slices.Clone(p.Algorithms())}
	if r.issuer == "" {
		return nil, errors.New("provider: a Provider has an empty issuer")
	}
	if len(r.algs) == 0 {
		r.algs = []string{"RS256"}
	}
	if err := jwa.Check(r.algs); err != nil {
		return nil, fmt.Errorf("provider: %w (issuer %q)", err, r.issuer)
	}
	src := keycache.Source{URL: p.JWKSURL(), Issuer: r.issuer}
	if ph, ok := p.(PlainHTTP); ok && ph.PlainHTTP() {
		src.AllowHTTP = true
	}
	c, err := keycache.New(src, cc)
	if err != nil {
		return nil, fmt.Errorf("provider: issuer %q: %w", r.issuer, err)
	}
	r.cache = c
	return r, nil
}

// Close stops every provider's and tenant's cache, after which nothing
// verifies: call it once the server has shut down. It is idempotent.
func (v *Verifier) Close() error {
	if v.tenants != nil {
		v.tenants.close()
	}
	for _, r := range v.routes {
		r.cache.Close()
	}
	return nil
}

// Forget drops what the Verifier holds about a tenant's issuer, in every
// partition: its key cache, its cached tokens, a "not ours" answer. The
// next token of the issuer asks the Resolver again. Call it when a tenant
// is removed (so that its tokens stop verifying now, not when it is
// evicted) or added (so that a refusal held for its issuer ends now). A
// fixed Provider's issuer is not affected.
func (v *Verifier) Forget(issuer string) {
	if v.tenants != nil {
		v.tenants.forget(issuer)
	}
}

// Load fetches, concurrently, the keys of every fixed provider (and
// tenant held) whose cache holds none that have not expired, and returns
// the errors joined. Call it before serving (a readiness check).
func (v *Verifier) Load(ctx context.Context) error {
	return v.eachCache("loading", func(c *keycache.Cache) error { return c.Load(ctx) })
}

// Refresh fetches, concurrently, the keys of every provider (and tenant
// held) now, whatever
// their schedule and backoff (joining a refresh in flight), and returns
// the errors joined; ctx bounds the wait. Call it when you know the keys
// changed — a key revoked at the identity provider stops verifying once
// Refresh returns, instead of at the next scheduled refresh.
func (v *Verifier) Refresh(ctx context.Context) error {
	return v.eachCache("refreshing", func(c *keycache.Cache) error { return c.Refresh(ctx) })
}

// eachCache runs f on every provider's cache at once and joins the errors,
// each naming its issuer and what was being done.
func (v *Verifier) eachCache(doing string, f func(*keycache.Cache) error) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	routes := slices.Collect(maps.Values(v.routes))
	if v.tenants != nil {
		routes = append(routes, v.tenants.routes()...)
	}
	for _, r := range routes {
		wg.Go(func() {
			if err := f(r.cache); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("provider: %s keys of %q: %w", doing, r.issuer, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Verify verifies token and returns its claims. Checks, in order: size,
// shape, issuer (configured ones only; nothing is fetched for others),
// header (alg in the provider's list; kid, required unless the provider
// has exactly one key), signature, exp (required), nbf, then the
// provider's rules (audience, client, token use, groups). URLs a token
// names (jku, x5u) are never fetched. A token verified before may be
// answered from the token cache (TokenCacheConfig), with the same
// read-only *Claims.
func (v *Verifier) Verify(ctx context.Context, token string) (*Claims, error) {
	if v.hooks == nil {
		c, _, err := v.verify(ctx, token)
		return c, err
	}
	start := time.Now()
	c, iss, err := v.verify(ctx, token)
	v.hooks.Verified(iss, err, time.Since(start))
	return c, err
}

func (v *Verifier) verify(ctx context.Context, token string) (*Claims, string, error) {
	switch {
	case token == "":
		return nil, "", ErrNoToken
	case len(token) > v.maxBytes:
		return nil, "", reasons.TooLarge
	}
	now := time.Now()
	t := v.tokens
	if t == nil {
		return v.verifyToken(ctx, token, now)
	}
	if c, iss, err, ok := t.lookup(ctx, token, now, v.tenants); ok {
		return c, iss, err
	}
	c, iss, err := v.verifyToken(ctx, token, now)
	t.report(iss, observe.CacheMiss)
	return c, iss, err
}

// verifyToken verifies token in full at now, and tells the token cache
// what it found.
func (v *Verifier) verifyToken(ctx context.Context, token string, now time.Time) (*Claims, string, error) {
	if !compact(token) {
		return nil, "", errNotCompact
	}
	// One pass: the three segments are decoded into one buffer, whose
	// strings the header and claims become; the header is scanned for
	// what the checks need; the claims set is scanned once.
	dot1, dot2 := strings.IndexByte(token, '.'), strings.LastIndexByte(token, '.')
	seg, err := decodeSegments(token, dot1, dot2)
	if err != nil {
		return nil, "", err
	}
	// Until its claims are handed out, w and the buffer go back to their
	// pools on failure: a flood of tokens refused before their claims are
	// (an unknown kid, issuer or alg, a bad signature) makes next to no
	// garbage.
	w := wires.Get().(*wireClaims)
	handed := false
	defer func() {
		if !handed {
			*w = wireClaims{}
			wires.Put(w)
			putBuffer(seg.pooled)
		}
	}()
	w.doc = docOf(seg.buf)
	h, err := parseHeader(&w.doc, seg.header)
	if err != nil {
		return nil, "", err
	}
	if err := w.decode(seg.claims); err != nil {
		return nil, "", fmt.Errorf("%w: claims: %w", reasons.Malformed, err)
	}
	w.header = seg.header
	r := v.routes[w.issuer]
	if r == nil {
		if v.tenants == nil {
			return nil, "", reasons.UnknownIssuer
		}
		if r, err = v.tenants.route(ctx, w.issuer, now); err != nil {
			return nil, "", err
		}
	}
	key, err := r.key(ctx, &h)
	if err != nil && r.tenant && errors.Is(err, keycache.ErrClosed) {
		// Evicted since it was routed: route again (a new cache).
		if r, err = v.tenants.route(ctx, w.issuer, now); err != nil {
			return nil, "", err
		}
		key, err = r.key(ctx, &h)
	}
	if err != nil {
		return nil, r.issuer, err
	}
	if err := verifySignature(h.method, token[:dot2], seg.signature, key.Public()); err != nil {
		err = fmt.Errorf("%w: %w", reasons.Signature, err)
		if v.tokens != nil {
			v.tokens.addForged(token, err, r, key, now)
		}
		return nil, r.issuer, err
	}
	// The key may have taken a fetch: the lifetime is checked now.
	now = time.Now()
	if err := v.checkLifetime(w, now); err != nil {
		return nil, r.issuer, err
	}
	c := w.claims()
	handed = true // to Validate, which may keep it, and to the caller
	if err := r.p.Validate(c); err != nil {
		return nil, r.issuer, err
	}
	if v.tokens != nil {
		v.tokens.addVerified(token, w, seg.buf, r, key, now)
	}
	return c, r.issuer, nil
}

// checkLifetime checks exp (required) and nbf at now, with the leeway, as
// golang-jwt's validator does.
func (v *Verifier) checkLifetime(w *wireClaims, now time.Time) error {
	switch {
	case !w.exp.set:
		return fmt.Errorf("%w: exp", reasons.MissingClaim)
	case !now.Before(w.exp.Time.Add(v.leeway)):
		return &ExpiredError{Expiry: w.exp.Time}
	case w.nbf.set && now.Before(w.nbf.Time.Add(-v.leeway)):
		return reasons.NotYetValid
	}
	return nil
}

// segments are a token's three segments, decoded into buf; pooled is
// buf's holder, for putBuffer once nothing holds views of it.
type segments struct {
	buf, header, claims, signature []byte
	pooled                         *[]byte
}

// buffers are the decoding buffers of failed verifications, reused.
var buffers sync.Pool

// getBuffer returns an empty buffer of at least n bytes and at most 2n
// (a verified token's claims keep it: no more than twice what they
// need), and its holder for putBuffer.
func getBuffer(n int) *[]byte {
	if p, _ := buffers.Get().(*[]byte); p != nil {
		if c := cap(*p); c >= n && c <= 2*n {
			*p = (*p)[:0]
			return p
		}
		buffers.Put(p)
	}
	b := make([]byte, 0, n)
	return &b
}

// putBuffer gives back the buffer of p: nothing may hold views of it.
func putBuffer(p *[]byte) {
	if cap(*p) <= 4<<10 {
		buffers.Put(p)
	}
}

// decodeSegments decodes the base64url segments of token (dots at dot1
// and dot2) into one buffer, strictly: no padding, no bits left set. The
// segments are subslices of the buffer up to its end, as docOf wants.
func decodeSegments(token string, dot1, dot2 int) (segments, error) {
	enc := base64.RawURLEncoding.Strict()
	// The decoder only reads its input: a view of the token will do.
	src := unsafe.Slice(unsafe.StringData(token), len(token))
	pooled := getBuffer(enc.DecodedLen(len(token)))
	buf := *pooled
	var at [4]int
	for i, s := range [3][]byte{src[:dot1], src[dot1+1 : dot2], src[dot2+1:]} {
		var err error
		if buf, err = enc.AppendDecode(buf, s); err != nil {
			putBuffer(pooled)
			return segments{}, fmt.Errorf("%w: segment %d is not base64url: %w", reasons.Malformed, i+1, err)
		}
		at[i+1] = len(buf)
	}
	*pooled = buf
	return segments{buf: buf, header: buf[:at[1]], claims: buf[at[1]:at[2]], signature: buf[at[2]:at[3]], pooled: pooled}, nil
}

// header is what verification reads of a token's header.
type header struct {
	alg    string
	method jwt.SigningMethod
	kid    string
	// hasKID: the header names a kid; kidString: as a JSON string.
	hasKID, kidString bool
	crit, b64         bool
}

// parseHeader reads the decoded header b, a subslice of d's document: a
// JSON object whose alg names a signing method golang-jwt has. Of a name
// given twice, the last counts, as encoding/json would have it.
func parseHeader(d *doc, b []byte) (header, error) {
	var h header
	o := jsonobj.Object{B: b}
	for o.Next() {
		switch v := o.Value; string(o.Name) {
		case "alg":
			h.alg = d.string(v)
		case "kid":
			h.hasKID, h.kidString = true, v[0] == '"'
			h.kid = d.string(v)
		case "crit":
			h.crit = true
		case "b64":
			h.b64 = true
		}
	}
	if o.Err != nil {
		return h, fmt.Errorf("%w: header: %w", reasons.Malformed, o.Err)
	}
	if h.method = jwa.Methods[h.alg]; h.method == nil {
		h.method = jwt.GetSigningMethod(h.alg) // HS256, none: refused by every route
	}
	if h.method == nil {
		return h, fmt.Errorf("%w: %q is no signing algorithm", reasons.Algorithm, h.alg)
	}
	return h, nil
}

// wires are the wireClaims of failed verifications, reused: nothing
// keeps one whose claims were not handed out, since every error made
// from it is formatted, and strings it holds are views of the token's
// buffer, not of it.
var wires = sync.Pool{New: func() any { return new(wireClaims) }}

// errNotCompact is the error of a token that is not three base64url
// segments.
var errNotCompact = fmt.Errorf("%w: want three base64url segments (RFC 7515 compact serialization)", reasons.Malformed)

// compact reports whether token may be three base64url segments: two
// dots, and no CR or LF, which Go's decoder would skip inside a segment.
// Every other byte outside the base64url alphabet (padding included) is
// refused by the strict decoder that decodeSegments runs next. All three
// scans run on the processor's vector instructions.
func compact(token string) bool {
	return strings.Count(token, ".") == 2 && strings.IndexByte(token, '\r') < 0 && strings.IndexByte(token, '\n') < 0
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}
