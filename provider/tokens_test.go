package provider_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/hangtest"
	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/reasons"
	"github.com/jwtguard/jwtguard/provider"
)

// events records the token cache's events.
type events struct {
	mu sync.Mutex
	n  map[observe.CacheEvent]int
}

func (e *events) Verified(string, error, time.Duration) {}

func (e *events) Hooks() *observe.Hooks { return &observe.Hooks{Verifications: e} }

func (e *events) TokenCached(_ string, ev observe.CacheEvent) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.n == nil {
		e.n = map[observe.CacheEvent]int{}
	}
	e.n[ev]++
}

// take returns the counts so far and starts again.
func (e *events) take() map[observe.CacheEvent]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := e.n
	e.n = nil
	return n
}

func (e *events) want(t *testing.T, hit, miss, rejected int) {
	t.Helper()
	n := e.take()
	if n[observe.CacheHit] != hit || n[observe.CacheMiss] != miss || n[observe.CacheRejected] != rejected {
		t.Fatalf("token cache: %d hits, %d misses, %d rejected; want %d, %d, %d",
			n[observe.CacheHit], n[observe.CacheMiss], n[observe.CacheRejected], hit, miss, rejected)
	}
}

// tokenCacheVerifier is a Verifier over iss (RS256) reporting to ev, with
// a client that keeps no connection idle (usable in a synctest bubble).
func tokenCacheVerifier(t *testing.T, iss interface {
	Issuer() string
	JWKSURL() string
}, ev *events, cfg provider.VerifierConfig) *provider.Verifier {
	t.Helper()
	p := newOIDC(t, provider.OIDCConfig{Issuer: iss.Issuer(), JWKSURL: iss.JWKSURL(), Audiences: []string{testAudience}})
	cfg.Providers = []provider.Provider{p}
	cfg.Metrics = ev.Hooks()
	cfg.Cache.HTTPClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	return newVerifier(t, cfg)
}

// A cached token stops verifying at its exp, in the middle of the
// entry's life, and not a moment later than a full verification would.
func TestTokenCacheExpiry(t *testing.T) {
	iss := newIssuer(t, "RS256")
	synctest.Test(t, func(t *testing.T) {
		ev := &events{}
		v := tokenCacheVerifier(t, iss, ev, provider.VerifierConfig{Leeway: 5 * time.Second})
		token := iss.Sign("", iss.Claims("alice", testAudience, 2*time.Minute, nil))
		first := verifyOK(t, v, token)
		if again := verifyOK(t, v, token); again != first {
			t.Fatal("a hit returned other claims than the verification it reuses")
		}
		ev.want(t, 1, 1, 0)
		time.Sleep(2*time.Minute + 4*time.Second) // past exp, within the leeway
		verifyOK(t, v, token)
		ev.want(t, 1, 0, 0)
		time.Sleep(time.Second) // past exp + leeway
		for range 2 {
			_, err := v.Verify(context.Background(), token)
			var expired *provider.ExpiredError
			if !errors.As(err, &expired) {
				t.Fatalf("Verify after exp: %v, want an ExpiredError", err)
			}
		}
		ev.want(t, 0, 2, 0) // failures are not cached
	})
}

// An entry older than MaxAge is verified again in full, then cached anew.
func TestTokenCacheMaxAge(t *testing.T) {
	iss := newIssuer(t, "RS256")
	synctest.Test(t, func(t *testing.T) {
		ev := &events{}
		v := tokenCacheVerifier(t, iss, ev, provider.VerifierConfig{TokenCache: provider.TokenCacheConfig{MaxAge: time.Minute}})
		token := iss.Sign("", iss.Claims("alice", testAudience, time.Hour, nil))
		verifyOK(t, v, token)
		time.Sleep(59 * time.Second)
		verifyOK(t, v, token)
		ev.want(t, 1, 1, 0)
		time.Sleep(time.Second)
		verifyOK(t, v, token)
		verifyOK(t, v, token)
		ev.want(t, 1, 1, 0)
	})
}

// A key rotated out of the issuer's set retires the tokens it verified at
// the refresh that sees it gone; tokens of a key that stays verify again
// once and are cached anew.
func TestTokenCacheKeyRotatedOut(t *testing.T) {
	iss := newIssuer(t, "RS256", "RS256") // keys RS256-key and RS256-key-2
	ev := &events{}
	v := tokenCacheVerifier(t, iss, ev, provider.VerifierConfig{})
	gone := iss.Sign("RS256-key", claims(iss, nil))
	stays := iss.Sign("RS256-key-2", claims(iss, nil))
	for range 2 {
		verifyOK(t, v, gone)
		verifyOK(t, v, stays)
	}
	ev.want(t, 2, 2, 0)

	iss.Remove("RS256-key")
	// Until the keys are refreshed, the cache serves what the key set
	// still says.
	verifyOK(t, v, gone)
	ev.want(t, 1, 0, 0)
	if err := v.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, err := v.Verify(context.Background(), gone)
	wantErr(t, err, reasons.UnknownKey, provider.ErrInvalidToken, "unknown_key")
	verifyOK(t, v, stays)
	verifyOK(t, v, stays)
	ev.want(t, 1, 2, 0)
}

// A refresh that brings the same keys keeps the cached tokens.
func TestTokenCacheSameKeys(t *testing.T) {
	iss := newIssuer(t, "RS256")
	ev := &events{}
	v := tokenCacheVerifier(t, iss, ev, provider.VerifierConfig{})
	token := iss.Sign("", claims(iss, nil))
	verifyOK(t, v, token)
	if err := v.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	verifyOK(t, v, token)
	ev.want(t, 1, 1, 0)
}

// The claims a hit hands out are the ones the first verification made,
// shared; nothing a handler does with them reaches another request.
func TestTokenCacheClaimsShared(t *testing.T) {
	iss := newIssuer(t, "RS256")
	v := tokenCacheVerifier(t, iss, &events{}, provider.VerifierConfig{})
	token := iss.Sign("", claims(iss, jwt.MapClaims{"scope": "read", "groups": []string{"staff"}}))
	c := verifyOK(t, v, token)
	// A handler that edits what it is given edits its copies.
	c.Scopes()[0] = "admin"
	c.Groups()[0] = "root"
	c.Audience()[0] = "elsewhere"
	_ = append(c.Scopes(), "write")
	raw, _ := c.Lookup("scope") // "read", a copy: not the bytes behind the claims' strings
	copy(raw, `"root"`)
	_ = append(raw[:1], `root",`...)
	typ, _ := c.LookupHeader("alg")
	copy(typ, `"none"`)
	again := verifyOK(t, v, token)
	if again != c {
		t.Fatal("the second Verify was not a hit")
	}
	if alg, _ := again.LookupHeader("alg"); string(alg) != `"RS256"` {
		t.Fatalf("header changed by an earlier request: alg %s", alg)
	}
	if !again.HasScope("read") || again.HasScope("admin") || again.HasScope("write") || again.HasScope("root") ||
		!again.HasGroup("staff") || again.HasGroup("root") || !slices.Contains(again.Audience(), testAudience) {
		t.Fatalf("claims changed by an earlier request: scopes %q, groups %q, aud %q", again.Scopes(), again.Groups(), again.Audience())
	}
}

// Failures are never cached as successes: an expired token, a wrong
// audience and a forged signature fail every time.
func TestTokenCacheFailures(t *testing.T) {
	iss := newIssuer(t, "RS256")
	ev := &events{}
	v := tokenCacheVerifier(t, iss, ev, provider.VerifierConfig{})
	expired := iss.Sign("", claims(iss, jwt.MapClaims{"exp": time.Now().Add(-time.Minute).Unix()}))
	otherAud := iss.Sign("", claims(iss, jwt.MapClaims{"aud": "https://elsewhere"}))
	for range 3 {
		if _, err := v.Verify(context.Background(), expired); err == nil {
			t.Fatal("expired token verified")
		}
		_, err := v.Verify(context.Background(), otherAud)
		wantErr(t, err, reasons.Audience, provider.ErrInvalidToken, "audience")
	}
	ev.want(t, 0, 6, 0)
}

// A forged token sent again is refused from the cache of forged tokens,
// with the error of the first refusal, and a flood of forged tokens does
// not push verified tokens out.
func TestTokenCacheForged(t *testing.T) {
	iss := newIssuer(t, "RS256")
	ev := &events{}
	v := tokenCacheVerifier(t, iss, ev, provider.VerifierConfig{TokenCache: provider.TokenCacheConfig{MaxEntries: 16}})
	good := make([]string, 8)
	for i := range good {
		good[i] = iss.Sign("", claims(iss, jwt.MapClaims{"sub": fmt.Sprint("user-", i)}))
		verifyOK(t, v, good[i])
	}
	forge := func(i int) string {
		tok := iss.Sign("", claims(iss, jwt.MapClaims{"sub": fmt.Sprint("forged-", i)}))
		dot := strings.LastIndexByte(tok, '.')
		return tok[:dot+1] + strings.Repeat("A", len(tok)-dot-1)
	}
	forged := forge(0)
	for range 3 {
		_, err := v.Verify(context.Background(), forged)
		wantErr(t, err, reasons.Signature, provider.ErrInvalidToken, "signature")
	}
	ev.want(t, 0, 9, 2)
	for i := range 500 {
		if _, err := v.Verify(context.Background(), forge(i+1)); !errors.Is(err, reasons.Signature) {
			t.Fatalf("forged token %d: %v", i, err)
		}
	}
	_, _, nForged := provider.TokenCacheLen(v)
	if nForged > 8 { // an eighth of 16, rounded up to a set of 8
		t.Fatalf("%d forged tokens held, want at most 8", nForged)
	}
	ev.take()
	for _, tok := range good {
		verifyOK(t, v, tok)
	}
	ev.want(t, len(good), 0, 0)
}

// Entries and bytes stay within their bounds; a token larger than the
// byte bound is verified every time.
func TestTokenCacheBounds(t *testing.T) {
	iss := newIssuer(t, "RS256")
	ev := &events{}
	const maxBytes = 8000
	v := tokenCacheVerifier(t, iss, ev, provider.VerifierConfig{TokenCache: provider.TokenCacheConfig{MaxEntries: 16, MaxBytes: maxBytes}})
	for i := range 200 {
		verifyOK(t, v, iss.Sign("", claims(iss, jwt.MapClaims{"sub": fmt.Sprint("user-", i)})))
		if n, b, _ := provider.TokenCacheLen(v); n > 16 || b > maxBytes {
			t.Fatalf("after %d tokens: %d entries, %d bytes", i+1, n, b)
		}
	}
	if n, b, _ := provider.TokenCacheLen(v); n == 0 || b == 0 {
		t.Fatalf("nothing cached: %d entries, %d bytes", n, b)
	}
	huge := iss.Sign("", claims(iss, jwt.MapClaims{"pad": strings.Repeat("x", maxBytes/2)}))
	ev.take()
	verifyOK(t, v, huge)
	verifyOK(t, v, huge)
	ev.want(t, 0, 2, 0)
}

// Hits and evictions from every goroutine at once: each Verify returns
// its own token's claims (run with -race).
func TestTokenCacheConcurrent(t *testing.T) {
	iss := newIssuer(t, "RS256")
	v := tokenCacheVerifier(t, iss, &events{}, provider.VerifierConfig{TokenCache: provider.TokenCacheConfig{MaxEntries: 16}})
	tokens := make([]string, 40)
	for i := range tokens {
		tokens[i] = iss.Sign("", claims(iss, jwt.MapClaims{"sub": fmt.Sprint("user-", i)}))
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 400 {
				n := (i*7 + g*13) % len(tokens)
				if i%2 == 0 {
					n %= 8 // half the calls on a working set of 8
				}
				c, err := v.Verify(context.Background(), tokens[n])
				if err != nil || c.Subject() != fmt.Sprint("user-", n) {
					t.Errorf("token %d: %v, subject %q", n, err, c.Subject())
					return
				}
			}
		})
	}
	wg.Wait()
}

// With the cache disabled, every Verify verifies in full.
func TestTokenCacheDisabled(t *testing.T) {
	iss := newIssuer(t, "RS256")
	ev := &events{}
	v := tokenCacheVerifier(t, iss, ev, provider.VerifierConfig{TokenCache: provider.TokenCacheConfig{Disabled: true}})
	token := iss.Sign("", claims(iss, nil))
	if verifyOK(t, v, token) == verifyOK(t, v, token) {
		t.Fatal("the same claims twice with the cache disabled")
	}
	ev.want(t, 0, 0, 0)
	if n, _, _ := provider.TokenCacheLen(v); n != 0 {
		t.Fatalf("%d entries with the cache disabled", n)
	}
}

func TestTokenCacheConfig(t *testing.T) {
	p := oidcFor(t, newIssuer(t, "RS256"))
	for _, tc := range []provider.TokenCacheConfig{{MaxEntries: -1}, {MaxBytes: -1}, {MaxAge: -time.Second}} {
		if _, err := provider.NewVerifier(provider.VerifierConfig{Providers: []provider.Provider{p}, TokenCache: tc}); err == nil {
			t.Errorf("NewVerifier accepted %+v", tc)
		}
	}
}

// Under the usage strategy, hits count as uses: a busy token keeps the
// key set's refreshes coming (without them, nothing would refresh here).
func TestTokenCacheHitsCountUses(t *testing.T) {
	iss := newIssuer(t, "RS256")
	synctest.Test(t, func(t *testing.T) {
		v := tokenCacheVerifier(t, iss, &events{}, provider.VerifierConfig{Cache: cache.Config{
			Strategy: cache.Usage, Usages: 100, MinRefreshInterval: 10 * time.Millisecond,
		}})
		token := iss.Sign("", claims(iss, nil))
		verifyOK(t, v, token)
		before := iss.Fetches()
		for range 5 {
			// 400 hits count 400 uses on average (one hit in 8 counts
			// 8): the odds of fewer than 100 are nil for this test.
			for range 400 {
				verifyOK(t, v, token)
			}
			time.Sleep(100 * time.Millisecond) // past the usage floor; the refresh lands
		}
		if n := iss.Fetches() - before; n < 3 {
			t.Fatalf("%d fetches after 5 rounds of 400 hits under a 100-use policy", n)
		}
	})
}

// A token that expires while its keys are being fetched is refused: the
// lifetime is checked after the signature, not before the wait.
func TestExpiryDuringKeyFetch(t *testing.T) {
	iss := newIssuer(t, "RS256")
	synctest.Test(t, func(t *testing.T) {
		gate := hangtest.NewGate()
		p := newOIDC(t, provider.OIDCConfig{Issuer: iss.Issuer(), JWKSURL: iss.JWKSURL(), Audiences: []string{testAudience}})
		v := newVerifier(t, provider.VerifierConfig{Providers: []provider.Provider{p}, Cache: cache.Config{HTTPClient: gate.Client(), FetchTimeout: time.Minute}})
		token := iss.Sign("", iss.Claims("alice", testAudience, time.Second, nil))
		gate.Shut()
		done := make(chan error)
		go func() {
			_, err := v.Verify(context.Background(), token)
			done <- err
		}()
		time.Sleep(2 * time.Second) // the first fetch hangs past the token's exp
		gate.Open()
		var expired *provider.ExpiredError
		if err := <-done; !errors.As(err, &expired) {
			t.Fatalf("Verify of a token that expired during the key fetch: %v, want an ExpiredError", err)
		}
	})
}
