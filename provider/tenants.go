package provider

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/clockmap"
	"github.com/jwtguard/jwtguard/internal/keycache"
	"github.com/jwtguard/jwtguard/internal/reasons"
)

// The defaults of TenantsConfig, as its documentation gives them.
const (
	defaultMaxTenants  = 10_000
	defaultIdleTimeout = time.Hour
	defaultMaxRefused  = 10_000
	defaultRefusedTTL  = time.Minute
	defaultLookupRate  = 10
	defaultLookupBurst = 100
)

// resolveTimeout bounds one call of a Resolver.
const resolveTimeout = 10 * time.Second

// maxIssuerBytes: a longer issuer is refused without asking the Resolver
// (no issuer is that long, and a refusal held for one costs its length).
const maxIssuerBytes = 512

// A Resolver tells the Verifier which issuers, beyond its fixed
// Providers, are its tenants: for a SaaS whose customers each have their
// own user pool, tenant or issuer, onboarded while it runs.
//
// It returns the Provider of issuer — the iss of a token, not yet
// verified — or (nil, nil) if issuer is not one of yours. It must decide
// from what you hold (a table, a database, a pattern over ids you issued),
// never from what the token or the request says about itself: the
// Provider it returns names where keys are fetched from. An error means
// "cannot tell now" (the database is down): the issuer's tokens are
// answered 503 with Retry-After for 5 seconds, then it is asked again.
//
// The Verifier calls it at most once at a time per issuer (and
// partition), bounded by a 10 s timeout and by the rate limit of
// TenantsConfig, and holds its answers — yes, no, and for 5 seconds an
// error — with bounds; see TenantsConfig. Forget drops them. ctx carries the
// values of the request (see TenantsConfig.Partition), not its
// cancellation. Resolvers for Cognito pools, Auth0 domains and OIDC
// issuers are in package cognito, auth0 and here (OIDCResolver).
type Resolver func(ctx context.Context, issuer string) (Provider, error)

// TenantsConfig configures the issuers a Verifier resolves at run time.
//
// A tenant's key cache (configured by VerifierConfig.Cache, with
// SkipIdleRefresh) is created on its first token and fetches once,
// however many tokens arrive together. It is evicted — its refresh
// stopped, its keys and its cached tokens let go — when it has verified
// no token for IdleTimeout, or when MaxTenants are held and a new tenant
// arrives (the least recently used goes, as near as CLOCK tells). A
// tenant holds no goroutine between refreshes, and its background refresh
// runs only while it has traffic within its keys' lifetime: a busy tenant
// never waits for its identity provider, a quiet one spends no fetch, and
// its first token after its keys expired is served while they refresh
// (or, past MaxStale or after eviction, waits for one fetch — from the
// shared store, with VerifierConfig.Cache.Store, if another replica has
// the document). Every tenant has its own unknown-kid cooldown and
// backoff: one tenant under attack or down makes the others wait for
// nothing — no lock, cooldown or queue is shared (a flood still costs the
// process the CPU it takes to refuse it, about a microsecond a token).
//
// Issuers are looked up only through the Resolver, so a token naming any
// other issuer costs no fetch and no DNS look-up; an issuer longer than
// 512 bytes is refused without asking it. "Not ours" answers are
// held for RefusedTTL (MaxRefused of them), the Resolver's failures for 5
// seconds, and the Resolver is asked
// about issuers it has not answered at most LookupRate times a second
// (bursts of LookupBurst): a flood of tokens with invented issuers costs
// at most that many Resolver calls, and while it lasts, a token of an
// issuer not yet held is answered 503 with Retry-After (a real new tenant
// retries) instead of a call.
type TenantsConfig struct {
	// Resolver resolves issuers not in VerifierConfig.Providers. Nil: no
	// tenants, the fixed Providers only.
	Resolver Resolver
	// Partition, if set, returns the part of the service a request
	// belongs to (a tenant an earlier middleware put in the context): the
	// Resolver's answers, and the tenants, are held per partition and
	// issuer, so that a Resolver may read the context — e.g. refuse a
	// token of tenant A's issuer on tenant B's host. It must return a
	// short value from a bounded set (a tenant id, not a header). It is
	// called for a tenant's token only (a fixed Provider's skips it), and
	// a token verified in one partition is verified in full again in
	// another: the token cache holds one entry per token.
	Partition func(ctx context.Context) string
	// MaxTenants bounds the tenants held. If zero, 10 000.
	MaxTenants int
	// IdleTimeout evicts a tenant that verified no token for this long:
	// at least a second. If zero, an hour.
	IdleTimeout time.Duration
	// MaxRefused bounds the "not ours" answers held, and RefusedTTL is
	// how long each is (how long a tenant onboarded after its issuer was
	// refused waits, unless Forget is called). If zero, 10 000 and a
	// minute.
	MaxRefused int
	RefusedTTL time.Duration
	// LookupRate is how many Resolver calls a second, in bursts of up to
	// LookupBurst, are made for issuers with no answer held. If zero, 10
	// and 100.
	LookupRate  float64
	LookupBurst int
}

// tenants are a Verifier's issuers resolved at run time.
type tenants struct {
	resolver   Resolver
	partition  func(context.Context) string
	cc         cache.Config // of every tenant's cache
	idle       time.Duration
	refusedTTL time.Duration
	held       *clockmap.Map[*route]
	denied     *clockmap.Map[denial]

	mu      sync.Mutex
	closed  bool
	calls   map[tenantKey]*lookup
	rate    float64 // Resolver calls a second
	burst   float64
	allowed float64 // calls the rate allows now
	last    time.Time
	sweep   *time.Timer
	wg      sync.WaitGroup // lookups and closing caches
}

type tenantKey struct{ part, issuer string }

// lookup is one Resolver call; done is closed when r or err is set.
// forgotten (under tenants.mu): Forget ran during the call, whose answer
// is then not recorded.
type lookup struct {
	done      chan struct{}
	cancel    context.CancelFunc
	forgotten bool
	r         *route
	err       error
}

func newTenants(cfg TenantsConfig, cc cache.Config) (*tenants, error) {
	if cfg.MaxTenants < 0 || cfg.IdleTimeout < 0 || cfg.MaxRefused < 0 || cfg.RefusedTTL < 0 || cfg.LookupRate < 0 || cfg.LookupBurst < 0 {
		return nil, errors.New("provider: TenantsConfig: MaxTenants, IdleTimeout, MaxRefused, RefusedTTL, LookupRate and LookupBurst must not be negative")
	}
	if cfg.IdleTimeout != 0 && cfg.IdleTimeout < time.Second {
		return nil, fmt.Errorf("provider: TenantsConfig.IdleTimeout %v is under a second (tenants' use is noted to the second)", cfg.IdleTimeout)
	}
	if math.IsNaN(cfg.LookupRate) || math.IsInf(cfg.LookupRate, 0) {
		return nil, fmt.Errorf("provider: TenantsConfig.LookupRate %v is not a number of calls a second", cfg.LookupRate)
	}
	if cfg.Resolver == nil {
		if cfg.Partition != nil {
			return nil, errors.New("provider: TenantsConfig.Partition is set without a Resolver")
		}
		return nil, nil
	}
	cc.SkipIdleRefresh = true
	t := &tenants{
		resolver:   cfg.Resolver,
		partition:  cfg.Partition,
		cc:         cc,
		idle:       cfg.IdleTimeout,
		refusedTTL: cfg.RefusedTTL,
		held:       clockmap.New[*route](orDefault(cfg.MaxTenants, defaultMaxTenants)),
		denied:     clockmap.New[denial](orDefault(cfg.MaxRefused, defaultMaxRefused)),
		calls:      make(map[tenantKey]*lookup),
		rate:       cfg.LookupRate,
		burst:      float64(orDefault(cfg.LookupBurst, defaultLookupBurst)),
	}
	if t.idle == 0 {
		t.idle = defaultIdleTimeout
	}
	if t.refusedTTL == 0 {
		t.refusedTTL = defaultRefusedTTL
	}
	if t.rate == 0 {
		t.rate = defaultLookupRate
	}
	t.allowed = t.burst
	return t, nil
}

// partOf returns the partition of the request ctx is of.
func (t *tenants) partOf(ctx context.Context) string {
	if t == nil || t.partition == nil {
		return ""
	}
	return t.partition(ctx)
}

// route returns the tenant route of issuer for the request ctx is of:
// held, or resolved now.
func (t *tenants) route(ctx context.Context, issuer string, now time.Time) (*route, error) {
	part := t.partOf(ctx)
	if e := t.held.Get(part, issuer); e != nil {
		e.Value.touch(now)
		return e.Value, nil
	}
	if len(issuer) > maxIssuerBytes || issuer == "" {
		return nil, reasons.UnknownIssuer
	}
	r, err := t.lookUp(ctx, part, issuer, now)
	if err == errForgotten { // Forget ran during the lookup: ask again, once
		if r, err = t.lookUp(ctx, part, issuer, now); err == errForgotten {
			err = &KeysUnavailableError{Err: err}
		}
	}
	return r, err
}

// lookUp answers from what is held about (part, issuer), or joins or
// starts the Resolver call for it and waits for its answer.
func (t *tenants) lookUp(ctx context.Context, part, issuer string, now time.Time) (*route, error) {
	if e := t.denied.Get(part, issuer); e != nil && now.Before(e.Value.until) {
		return nil, e.Value.error(now)
	}
	k := tenantKey{part, issuer}
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil, &KeysUnavailableError{Err: keycache.ErrClosed}
	}
	l := t.calls[k]
	if l == nil {
		// A lookup may have ended since the look-ups above (it records
		// its answer under t.mu).
		if e := t.held.Get(part, issuer); e != nil {
			t.mu.Unlock()
			e.Value.touch(now)
			return e.Value, nil
		}
		if e := t.denied.Get(part, issuer); e != nil && now.Before(e.Value.until) {
			t.mu.Unlock()
			return nil, e.Value.error(now)
		}
		if wait := t.take(now); wait > 0 {
			t.mu.Unlock()
			return nil, &KeysUnavailableError{RetryAfter: wait, Err: errLookupsThrottled}
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), resolveTimeout)
		l = &lookup{done: make(chan struct{}), cancel: cancel}
		// Copies: issuer is a view of the token's decoded buffer, which
		// the maps holding the answer must not keep (nor see reused).
		k = tenantKey{strings.Clone(part), strings.Clone(issuer)}
		t.calls[k] = l
		t.wg.Add(1)
		go t.resolve(rctx, k, l)
	}
	t.mu.Unlock()
	select {
	case <-l.done:
		// Not marked used: a tenant that came with this token is the
		// first a full map evicts, unless it serves another.
		return l.r, l.err
	case <-ctx.Done():
		return nil, &KeysUnavailableError{Err: fmt.Errorf("provider: resolving the token's issuer: %w", ctx.Err())}
	}
}

// errForgotten is the answer of a lookup that Forget overtook: the token
// asks again.
var errForgotten = errors.New("provider: the issuer was forgotten while it was being resolved")

// denial is a "no" held for an issuer until a time: the Resolver refused
// it (err nil), or failed (err), in which case it is asked again after
// failedHold, not for every token.
type denial struct {
	until time.Time
	err   error
}

// failedHold is how long a Resolver's failure for an issuer is held.
const failedHold = 5 * time.Second

// error is the error of a token of the issuer d denies at now.
func (d denial) error(now time.Time) error {
	if d.err == nil {
		return reasons.UnknownIssuer
	}
	return &KeysUnavailableError{RetryAfter: d.until.Sub(now), Err: d.err}
}

// errLookupsThrottled is the cause of the 503 a token of an unanswered
// issuer gets while the Resolver's rate is spent.
var errLookupsThrottled = errors.New("provider: too many new issuers to resolve (TenantsConfig.LookupRate); try again")

// take spends one Resolver call of the rate limit at now and returns 0, or
// how long until one is allowed; t.mu is held.
func (t *tenants) take(now time.Time) time.Duration {
	// Callers read the clock before they queue for t.mu: now may be
	// earlier than last, which then stays.
	if now.After(t.last) {
		if !t.last.IsZero() {
			t.allowed = min(t.burst, t.allowed+now.Sub(t.last).Seconds()*t.rate)
		}
		t.last = now
	}
	if t.allowed < 1 {
		return time.Duration((1 - t.allowed) / t.rate * float64(time.Second))
	}
	t.allowed--
	return 0
}

// resolve calls the Resolver for k and records its answer: a new tenant,
// a refusal (held for RefusedTTL), or a failure (held for failedHold) —
// unless Forget overtook it.
func (t *tenants) resolve(ctx context.Context, k tenantKey, l *lookup) {
	defer t.wg.Done()
	defer l.cancel()
	p, err := t.resolver(ctx, k.issuer)
	var r *route
	switch {
	case err != nil:
		err = fmt.Errorf("provider: resolving issuer %q: %w", k.issuer, err)
	case p == nil:
		err = reasons.UnknownIssuer
	case p.Issuer() != k.issuer:
		err = fmt.Errorf("provider: the Resolver answered issuer %q with a provider for %q", k.issuer, p.Issuer())
	default:
		r, err = newRoute(p, t.cc)
	}
	now := time.Now()

	t.mu.Lock()
	var evicted *route
	switch {
	case l.forgotten || t.closed:
		evicted, r, err = r, nil, errForgotten
		if t.closed {
			err = &KeysUnavailableError{Err: keycache.ErrClosed}
		}
	case r != nil:
		r.tenant, r.part = true, k.part
		r.used.Store(now.Unix())
		e, added, ev := t.held.Add(k.part, k.issuer, r)
		if !added { // cannot happen: one lookup at a time per key
			evicted, r = r, e.Value
		} else if ev != nil {
			evicted = ev.Value
		}
		r.entry.Store(e)
		t.planSweep()
	default:
		d := denial{until: now.Add(t.refusedTTL)}
		if err != reasons.UnknownIssuer {
			d = denial{until: now.Add(failedHold), err: err}
			err = &KeysUnavailableError{RetryAfter: failedHold, Err: err}
		}
		if e := t.denied.Get(k.part, k.issuer); e != nil {
			t.denied.Remove(e) // expired
		}
		t.denied.Add(k.part, k.issuer, d)
	}
	if t.calls[k] == l {
		delete(t.calls, k)
	}
	l.r, l.err = r, err
	close(l.done)
	t.mu.Unlock()
	if evicted != nil {
		t.evict(evicted)
	}
}

// evict closes the cache of a tenant no longer held, in the background:
// Close may wait for a fetch to be cancelled. Its cached tokens stop
// serving with it.
func (t *tenants) evict(r *route) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed { // close is waiting: no more goroutines
		r.cache.Close()
		return
	}
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		r.cache.Close()
	}()
}

// planSweep arms the timer that evicts idle tenants; t.mu is held.
func (t *tenants) planSweep() {
	if t.sweep == nil && !t.closed {
		t.sweep = time.AfterFunc(t.idle/4, t.sweepIdle)
	}
}

// sweepIdle evicts the tenants idle for longer than IdleTimeout, and
// plans the next sweep while tenants are held.
func (t *tenants) sweepIdle() {
	cutoff := time.Now().Add(-t.idle).Unix()
	for _, e := range t.held.RemoveIf(func(e *clockmap.Entry[*route]) bool { return e.Value.used.Load() < cutoff }) {
		t.evict(e.Value)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sweep = nil
	if t.held.Len() > 0 {
		t.planSweep()
	}
}

// forget drops what is held about issuer, in every partition; the
// tenant's cache is closed before it returns, so its cached tokens no
// longer serve.
func (t *tenants) forget(issuer string) {
	// First the calls in flight, whose answers are then not recorded;
	// then what was recorded before.
	t.mu.Lock()
	for k, l := range t.calls {
		if k.issuer == issuer {
			l.forgotten = true
			l.cancel()
			delete(t.calls, k)
		}
	}
	t.mu.Unlock()
	for _, e := range t.held.RemoveIf(func(e *clockmap.Entry[*route]) bool { return e.Name == issuer }) {
		e.Value.cache.Close()
	}
	t.denied.RemoveIf(func(e *clockmap.Entry[denial]) bool { return e.Name == issuer })
}

// routes returns the tenants held now.
func (t *tenants) routes() []*route {
	var out []*route
	for _, e := range t.held.Entries() {
		out = append(out, e.Value)
	}
	return out
}

// close evicts every tenant, cancels the Resolver calls in flight and
// waits for both (a Resolver must return when its context ends).
func (t *tenants) close() {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return
	}
	t.closed = true
	if t.sweep != nil {
		t.sweep.Stop()
	}
	for _, l := range t.calls {
		l.cancel()
	}
	t.mu.Unlock()
	for _, e := range t.held.RemoveIf(func(*clockmap.Entry[*route]) bool { return true }) {
		e.Value.cache.Close()
	}
	t.wg.Wait()
}

// tenantRoute is what a route of a tenant has besides the rest.
type tenantRoute struct {
	tenant bool
	part   string // the partition it is held in
	// used is when the tenant last verified a token (Unix seconds);
	// entry is its place in the held map, marked on every use.
	used  atomic.Int64
	entry atomic.Pointer[clockmap.Entry[*route]]
}

// touch notes that a tenant's route served a token at now: for the idle
// sweep and the CLOCK eviction. A fixed route does nothing.
func (r *route) touch(now time.Time) {
	if !r.tenant {
		return
	}
	if e := r.entry.Load(); e != nil {
		e.Touch()
	}
	if s := now.Unix(); r.used.Load() != s {
		r.used.Store(s)
	}
}
