package metrics_test

import (
	"context"
	crand "crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/promtest"
	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/metrics"
	"github.com/jwtguard/jwtguard/provider"
)

// TestSeriesStayBounded sends 10 000 tokens with random issuers, random
// kids, random audiences and random garbage through a real Verifier wired
// with the metrics, and proves that the number of series depends on the
// configuration and the fixed label values only: none of the random
// values becomes a label.
func TestSeriesStayBounded(t *testing.T) {
	const audience = "api://bounded"
	iss := testissuer.NewEmpty()
	defer iss.Close()
	realKID := iss.AddKey("EdDSA") // cheap to sign 10 000 tokens with

	reg := prometheus.NewPedanticRegistry()
	m, err := metrics.New(metrics.Config{Registerer: reg})
	if err != nil {
		t.Fatalf("metrics.New: %v", err)
	}
	p, err := provider.NewOIDC(context.Background(), provider.OIDCConfig{
		Issuer: iss.Issuer(), JWKSURL: iss.JWKSURL(), Audiences: []string{audience}, Algorithms: []string{"EdDSA"},
	})
	if err != nil {
		t.Fatalf("NewOIDC: %v", err)
	}
	v, err := provider.NewVerifier(provider.VerifierConfig{
		Providers: []provider.Provider{p},
		Metrics:   m,
		// An hour of cooldown: exactly one refresh for all unknown kids.
		Cache: cache.Config{Metrics: m, UnknownKIDCooldown: time.Hour},
	})
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	defer v.Close()
	if err := v.Load(context.Background()); err != nil {
		t.Fatalf("Load: %v", err)
	}

	// Twenty kinds of token in turn, each with fresh random parts; the
	// reason each must fail with ("none": it must pass).
	const n = 10000
	type sample struct{ token, reason string }
	samples := make([]sample, n)
	for i := range samples {
		sub, randomKID := promtest.RandomString(12), promtest.RandomString(1+rand.IntN(64))
		claims := iss.Claims(sub, audience, time.Hour, nil)
		switch k := i % 20; {
		case k < 8: // an issuer nobody configured, a kid nobody published
			claims["iss"] = "https://" + promtest.RandomString(10) + ".example/" + promtest.RandomString(6)
			samples[i] = sample{forged(t, randomKID, claims), "unknown_issuer"}
		case k < 16: // the configured issuer, a kid it never published
			samples[i] = sample{forged(t, randomKID, claims), "unknown_key"}
		case k == 16: // a random audience
			claims["aud"] = "api://" + promtest.RandomString(8)
			samples[i] = sample{iss.Sign(realKID, claims), "audience"}
		case k == 17: // a good token for a random subject
			samples[i] = sample{iss.Sign(realKID, claims), "none"}
		case k == 18: // three segments of random bytes
			samples[i] = sample{randomSegment() + "." + randomSegment() + "." + randomSegment(), "malformed"}
		default: // a good token whose signature was tampered with
			tok := iss.Sign(realKID, claims)
			samples[i] = sample{tok[:strings.LastIndexByte(tok, '.')+1] + randomSegment(), "signature"}
		}
	}

	// Verify from several goroutines; the test goroutine alone reports.
	var (
		wg         sync.WaitGroup
		mu         sync.Mutex
		mismatches []string
	)
	work := make(chan sample)
	for range 4 {
		wg.Go(func() {
			for s := range work {
				_, err := v.Verify(context.Background(), s.token)
				got := provider.Reason(err)
				if err == nil {
					got = "none"
				}
				if got != s.reason {
					mu.Lock()
					mismatches = append(mismatches, fmt.Sprintf("want %s, got %s (%v)", s.reason, got, err))
					mu.Unlock()
				}
			}
		})
	}
	for _, s := range samples {
		work <- s
	}
	close(work)
	wg.Wait()
	if len(mismatches) > 0 {
		t.Fatalf("%d tokens did not fail as built to, e.g. %s", len(mismatches), mismatches[0])
	}

	// Series per family: the configured issuer or "unknown", and the
	// fixed values the tokens above can reach.
	want := map[string]int{
		"jwtguard_jwt_verifications_total":                     6, // 5 reasons + success
		"jwtguard_jwt_verification_duration_seconds":           2, // configured, unknown
		"jwtguard_jwks_refresh_total":                          2, // initial/updated, unknown_kid/not_modified
		"jwtguard_jwks_refresh_duration_seconds":               1,
		"jwtguard_jwks_keys":                                   1,
		"jwtguard_jwks_last_refresh_success_timestamp_seconds": 1,
		"jwtguard_jwks_age_seconds":                            1,
		"jwtguard_jwks_unknown_kid_total":                      2, // rejected, suppressed
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	got := map[string]int{}
	total, verifications := 0, 0.0
	for _, mf := range mfs {
		got[mf.GetName()] = len(mf.GetMetric())
		total += len(mf.GetMetric())
		for _, mm := range mf.GetMetric() {
			for _, lp := range mm.GetLabel() {
				if lp.GetName() == "issuer" && lp.GetValue() != iss.Issuer() && lp.GetValue() != "unknown" {
					t.Errorf("%s has issuer=%q", mf.GetName(), lp.GetValue())
				}
			}
			if mf.GetName() == "jwtguard_jwt_verifications_total" {
				verifications += mm.GetCounter().GetValue()
			}
		}
	}
	// The token cache's events: the configured issuer or "unknown", times
	// four events; which ones occur depends on the random tokens.
	tokenCache := got["jwtguard_jwt_token_cache_events_total"]
	if tokenCache < 2 || tokenCache > 8 {
		t.Errorf("%d token cache series, want 2 (misses of both issuer values) to 8", tokenCache)
	}
	delete(got, "jwtguard_jwt_token_cache_events_total")
	total -= tokenCache
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("series per family after %d tokens:\n%s\nwant:\n%s", n, promtest.Families(got), promtest.Families(want))
	}
	if c, err := testutil.GatherAndCount(reg); err != nil || c != 16+tokenCache || total != 16 {
		t.Errorf("GatherAndCount = %d, %v; gathered %d besides the token cache's; want 16", c, err, total)
	}
	if verifications != n {
		t.Errorf("jwtguard_jwt_verifications_total adds up to %v, want %d", verifications, n)
	}
	// The random kids cost one fetch in all, on top of the first.
	if f := iss.Fetches(); f != 2 {
		t.Errorf("the issuer served %d JWKS fetches, want 2", f)
	}
}

// forged returns a token as an attacker without the issuer's key makes
// one: a well-formed header and claims, and a random signature.
func forged(t *testing.T, kid string, claims map[string]any) string {
	t.Helper()
	seg := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return seg(map[string]string{"alg": "EdDSA", "typ": "JWT", "kid": kid}) + "." + seg(claims) + "." + randomSegment()
}

func randomSegment() string {
	b := make([]byte, 8+rand.IntN(64))
	_, _ = crand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
