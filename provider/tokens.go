package provider

import (
	"context"
	"errors"
	"strings"
	"time"
	"unsafe"

	"github.com/jwtguard/jwtguard/internal/keycache"
	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/tokencache"
)

// Defaults of TokenCacheConfig, documented on its fields.
const (
	defaultTokenCacheEntries = 10_000
	defaultTokenCacheBytes   = 32 << 20
	defaultTokenCacheMaxAge  = 10 * time.Minute
)

// TokenCacheConfig configures the Verifier's cache of verified tokens. It
// is on by default: a token presented again costs a look-up instead of a
// signature check, with nothing else skipped that could change.
//
// An entry is the whole token (never a part of it: a token with another
// token's signature and a different payload never hits) with the claims
// it verified to. It is served only while, checked on every hit, now is
// before exp and not before nbf (with the Verifier's Leeway), the key that
// verified it is still in its issuer's key set — a refresh that removes
// the key, or changes the set, retires the issuer's entries at their next
// use, without a scan — and the entry is younger than MaxAge. Everything
// else a verification checks is a function of the token's bytes and the
// configuration, so it cannot change. This includes Provider.Validate,
// whose verdict is kept with the entry: a rule that can change its mind
// about the same claims (a revocation list) belongs in a guard
// (middleware.Require) or the handler, which run on every request.
//
// Failures are never cached as successes. A token whose signature failed
// is remembered apart, in a table an eighth of the size, so that one
// forged token sent again and again costs a look-up instead of a
// signature check; forged tokens only ever displace each other, never a
// verified one. Verified tokens are admitted only after a full
// verification, and a full set of slots evicts tokens seen once before
// tokens in use (CLOCK), so a flood of new tokens — which costs its
// sender a signature check each, as without the cache — replaces mostly
// itself.
type TokenCacheConfig struct {
	// Disabled turns the cache off: every Verify checks the signature.
	Disabled bool
	// MaxEntries bounds the tokens held (rounded up to a multiple of 8).
	// If zero, 10 000.
	MaxEntries int
	// MaxBytes bounds the memory the entries hold, each counted as its
	// token, its decoded form and the claims (1.75 times the token's
	// length, plus about 1 KiB). If zero, 32 MiB.
	MaxBytes int64
	// MaxAge is the longest one verification is reused. If zero, 10
	// minutes.
	MaxAge time.Duration
}

// tokens is the Verifier's cache of verified (and of forged) tokens.
type tokens struct {
	verified *tokencache.Table[verdict]
	forged   *tokencache.Table[verdict]
	maxAge   time.Duration
	leeway   time.Duration
	hooks    observe.Verifications // nil if none
}

// verdict is what a token verified to, and what keeps it true.
type verdict struct {
	claims *Claims // nil: the signature failed with key
	err    error   // the signature's error, for a forged token
	r      *route
	key    keycache.Key
	stored time.Time
	// from and until bound the token's lifetime, with the leeway (until
	// is zero for a forged token: its lifetime was never checked).
	from, until time.Time
}

func newTokens(cfg TokenCacheConfig, leeway time.Duration, hooks observe.Verifications) (*tokens, error) {
	if cfg.MaxEntries < 0 || cfg.MaxBytes < 0 || cfg.MaxAge < 0 {
		return nil, errors.New("provider: TokenCacheConfig.MaxEntries, MaxBytes and MaxAge must not be negative")
	}
	if cfg.Disabled {
		return nil, nil
	}
	t := &tokens{maxAge: cfg.MaxAge, leeway: leeway}
	if t.maxAge == 0 {
		t.maxAge = defaultTokenCacheMaxAge
	}
	entries := orDefault(cfg.MaxEntries, defaultTokenCacheEntries)
	bytes := cfg.MaxBytes
	if bytes == 0 {
		bytes = defaultTokenCacheBytes
	}
	dead := func(v *verdict) bool { return !v.live(time.Now(), t.maxAge) }
	t.verified = tokencache.New(entries, bytes, dead)
	t.forged = tokencache.New(max(entries/8, tokencache.Ways), max(bytes/8, 64<<10), dead)
	t.hooks = hooks
	return t, nil
}

// live reports whether v may still be served at now, but for its key.
func (v *verdict) live(now time.Time, maxAge time.Duration) bool {
	if now.Sub(v.stored) >= maxAge {
		return false
	}
	return v.claims == nil || now.Before(v.until) && !now.Before(v.from)
}

// lookup returns the cached outcome of token for the request ctx is of:
// its claims and issuer, or (forged) its signature error; ok is false on
// a miss. A tenant's token verified in another partition of tn is a miss.
func (t *tokens) lookup(ctx context.Context, token string, now time.Time, tn *tenants) (c *Claims, iss string, err error, ok bool) {
	if e := t.verified.Get(token); e != nil {
		if v := &e.Value; v.r.tenant && v.r.part != tn.partOf(ctx) {
			return nil, "", nil, false // a miss: routed in part, it verifies again or not
		} else if v.live(now, t.maxAge) && v.r.cache.Serves(v.key) {
			v.r.touch(now)
			t.report(v.r.issuer, observe.CacheHit)
			return v.claims, v.r.issuer, nil, true
		}
		t.verified.Remove(e)
	}
	if e := t.forged.Get(token); e != nil {
		if v := &e.Value; v.r.tenant && v.r.part != tn.partOf(ctx) {
			return nil, "", nil, false
		} else if v.live(now, t.maxAge) && v.r.cache.Serves(v.key) {
			t.report(v.r.issuer, observe.CacheRejected)
			return nil, v.r.issuer, v.err, true
		}
		t.forged.Remove(e)
	}
	return nil, "", nil, false
}

// entryOverhead is what an entry holds besides its token and buffer: the
// table's entry and the claims.
const entryOverhead = int64(unsafe.Sizeof(tokencache.Entry[verdict]{}) + unsafe.Sizeof(wireClaims{}))

// addVerified remembers that token verified to w's claims with key k of
// r at now; buf is the token's decoded buffer, which the claims hold.
func (t *tokens) addVerified(token string, w *wireClaims, buf []byte, r *route, k keycache.Key, now time.Time) {
	v := verdict{claims: &w.out, r: r, key: k, stored: now, until: w.exp.Time.Add(t.leeway)}
	if w.nbf.set {
		v.from = w.nbf.Time.Add(-t.leeway)
	}
	size := int64(len(token)+cap(buf)) + entryOverhead // the token (a copy), the buffer
	// The lists, counted as if each string were a copy of its own (most
	// are views of the buffer; escaped ones are not).
	for _, l := range [][]string{w.out.audience, w.out.scopes, w.out.groups} {
		size += int64(len(l)) * int64(unsafe.Sizeof(""))
		for _, s := range l {
			size += int64(len(s))
		}
	}
	t.add(t.verified, token, size, v)
}

// addForged remembers that token's signature failed with key k of r.
func (t *tokens) addForged(token string, err error, r *route, k keycache.Key, now time.Time) {
	t.add(t.forged, token, int64(len(token))+entryOverhead, verdict{err: err, r: r, key: k, stored: now})
}

func (t *tokens) add(table *tokencache.Table[verdict], token string, size int64, v verdict) {
	// A copy: the token may be part of a larger string (a header, a body)
	// that the entry must not keep alive.
	if _, evicted := table.Add(strings.Clone(token), size, v); evicted != nil {
		t.report(evicted.Value.r.issuer, observe.CacheEvicted)
	}
}

func (t *tokens) report(iss string, ev observe.CacheEvent) {
	if t.hooks != nil {
		t.hooks.TokenCached(iss, ev)
	}
}
