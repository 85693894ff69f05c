package metrics_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/promtest"
	"github.com/jwtguard/jwtguard/internal/reasons"
	"github.com/jwtguard/jwtguard/metrics"
	"github.com/jwtguard/jwtguard/provider"
)

// TestHooksExposition drives every hook through a scripted sequence and
// compares the whole exposition. It runs in a synctest bubble, whose clock
// starts at 2000-01-01T00:00:00Z (Unix 946684800).
func TestHooksExposition(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const (
			iss  = "https://issuer.example"
			iss2 = "https://tenant.example/"
		)
		c, err := metrics.New(metrics.Config{})
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		t0 := time.Now()

		// The first fetch: two keys.
		observe.From(c).Keys.Refreshed(observe.Refresh{Issuer: iss, Trigger: observe.TriggerInitial, Result: observe.ResultUpdated,
			Duration: 125 * time.Millisecond, Keys: 2, FetchedAt: t0})
		// 16 minutes later the background refresh times out; the keys stay.
		time.Sleep(16 * time.Minute)
		observe.From(c).Keys.Refreshed(observe.Refresh{Issuer: iss, Trigger: observe.TriggerBackground, Result: observe.ResultError,
			Duration: 10 * time.Second, Keys: 2, FetchedAt: t0, Err: errors.New("timeout")})
		// 5 minutes later the keys have expired: served stale, unknown kids
		// suppressed while backing off.
		time.Sleep(5 * time.Minute)
		observe.From(c).Keys.StaleServed(iss)
		observe.From(c).Keys.StaleServed(iss)
		observe.From(c).Keys.UnknownKID(iss, observe.KIDSuppressed)
		observe.From(c).Keys.UnknownKID(iss, observe.KIDSuppressed)
		observe.From(c).Keys.UnknownKID(iss, observe.KIDSuppressed)
		// An unknown kid refreshes: the provider answers 304 and the kid is
		// still unknown.
		observe.From(c).Keys.Refreshed(observe.Refresh{Issuer: iss, Trigger: observe.TriggerUnknownKID, Result: observe.ResultNotModified,
			Duration: 62500 * time.Microsecond, Keys: 2, FetchedAt: time.Now()})
		observe.From(c).Keys.UnknownKID(iss, observe.KIDRejected)
		// Another issuer gets a document another replica fetched a minute
		// ago; its store fails once.
		observe.From(c).Keys.Refreshed(observe.Refresh{Issuer: iss2, Trigger: observe.TriggerShared, Result: observe.ResultUpdated,
			Duration: 2 * time.Millisecond, Keys: 3, FetchedAt: time.Now().Add(-time.Minute), Shared: true})
		observe.From(c).Keys.StoreFailed(iss2, errors.New("redis: connection refused"))
		// Verifications.
		observe.From(c).Verifications.Verified(iss, nil, 40*time.Microsecond)
		observe.From(c).Verifications.Verified(iss, nil, 300*time.Microsecond)
		observe.From(c).Verifications.Verified("", reasons.UnknownIssuer, 8*time.Microsecond)
		observe.From(c).Verifications.Verified(iss, &provider.ExpiredError{Expiry: t0}, 30*time.Microsecond)
		observe.From(c).Verifications.Verified(iss, errors.New("something else"), 1500*time.Millisecond)
		observe.From(c).Verifications.Verified(iss2, fmt.Errorf("wrapped: %w", reasons.Signature), 2*time.Millisecond)
		// Scraped 90 seconds later.
		time.Sleep(90 * time.Second)

		if err := testutil.CollectAndCompare(c, strings.NewReader(hooksExposition)); err != nil {
			t.Error(err)
		}
	})
}

// hooksExposition is what TestHooksExposition must collect. Times: t0 =
// 946684800; the not_modified refresh and the shared one at t0+1260 =
// 946686060; the scrape at t0+1350, 90 s after iss's renewed document and
// 150 s after iss2's.
var hooksExposition = header("jwtguard_jwks_age_seconds") + `
jwtguard_jwks_age_seconds{issuer="https://issuer.example"} 90
jwtguard_jwks_age_seconds{issuer="https://tenant.example/"} 150
` + header("jwtguard_jwks_keys") + `
jwtguard_jwks_keys{issuer="https://issuer.example"} 2
jwtguard_jwks_keys{issuer="https://tenant.example/"} 3
` + header("jwtguard_jwks_last_refresh_success_timestamp_seconds") + `
jwtguard_jwks_last_refresh_success_timestamp_seconds{issuer="https://issuer.example"} 9.4668606e+08
jwtguard_jwks_last_refresh_success_timestamp_seconds{issuer="https://tenant.example/"} 9.4668606e+08
` + header("jwtguard_jwks_refresh_duration_seconds") +
	promtest.Histogram("jwtguard_jwks_refresh_duration_seconds", `issuer="https://issuer.example"`, refreshBuckets, []int{0, 0, 0, 0, 1, 2, 2, 2, 2, 2, 3, 3}, 10.1875) +
	promtest.Histogram("jwtguard_jwks_refresh_duration_seconds", `issuer="https://tenant.example/"`, refreshBuckets, []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 0.002) +
	header("jwtguard_jwks_refresh_total") + `
jwtguard_jwks_refresh_total{issuer="https://issuer.example",result="error",source="provider",trigger="background"} 1
jwtguard_jwks_refresh_total{issuer="https://issuer.example",result="not_modified",source="provider",trigger="unknown_kid"} 1
jwtguard_jwks_refresh_total{issuer="https://issuer.example",result="updated",source="provider",trigger="initial"} 1
jwtguard_jwks_refresh_total{issuer="https://tenant.example/",result="updated",source="store",trigger="shared"} 1
` + header("jwtguard_jwks_stale_served_total") + `
jwtguard_jwks_stale_served_total{issuer="https://issuer.example"} 2
` + header("jwtguard_jwks_store_errors_total") + `
jwtguard_jwks_store_errors_total{issuer="https://tenant.example/"} 1
` + header("jwtguard_jwks_unknown_kid_total") + `
jwtguard_jwks_unknown_kid_total{action="rejected",issuer="https://issuer.example"} 1
jwtguard_jwks_unknown_kid_total{action="suppressed",issuer="https://issuer.example"} 3
` + header("jwtguard_jwt_verification_duration_seconds") +
	promtest.Histogram("jwtguard_jwt_verification_duration_seconds", `issuer="https://issuer.example"`, verificationBuckets, []int{0, 0, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4}, 1.50037) +
	promtest.Histogram("jwtguard_jwt_verification_duration_seconds", `issuer="https://tenant.example/"`, verificationBuckets, []int{0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 0.002) +
	promtest.Histogram("jwtguard_jwt_verification_duration_seconds", `issuer="unknown"`, verificationBuckets, []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 8e-06) +
	header("jwtguard_jwt_verifications_total") + `
jwtguard_jwt_verifications_total{issuer="https://issuer.example",reason="error",result="failure"} 1
jwtguard_jwt_verifications_total{issuer="https://issuer.example",reason="expired",result="failure"} 1
jwtguard_jwt_verifications_total{issuer="https://issuer.example",reason="none",result="success"} 2
jwtguard_jwt_verifications_total{issuer="https://tenant.example/",reason="signature",result="failure"} 1
jwtguard_jwt_verifications_total{issuer="unknown",reason="unknown_issuer",result="failure"} 1
`

// TestLabelValues checks that every label keeps to its fixed set of
// values, whatever the hooks are given.
func TestLabelValues(t *testing.T) {
	const iss = "https://issuer.example"
	t.Run("verification reasons", func(t *testing.T) {
		tests := []struct {
			err        error
			wantResult string
			wantReason string
		}{
			{nil, "success", "none"},
			{provider.ErrExpired, "failure", "expired"},
			{&provider.ExpiredError{}, "failure", "expired"},
			{fmt.Errorf("x: %w", reasons.UnknownKey), "failure", "unknown_key"},
			{reasons.MissingGroup, "failure", "insufficient_scope"},
			{provider.ErrNoToken, "failure", "no_token"},
			{&provider.KeysUnavailableError{Issuer: iss, Err: errors.New("down")}, "failure", "keys_unavailable"},
			{errors.New("a message an attacker chose"), "failure", "error"},
		}
		for _, tt := range tests {
			t.Run(tt.wantReason, func(t *testing.T) {
				c, _ := metrics.New(metrics.Config{})
				observe.From(c).Verifications.Verified(iss, tt.err, time.Millisecond)
				want := header("jwtguard_jwt_verifications_total") + fmt.Sprintf(`
jwtguard_jwt_verifications_total{issuer=%q,reason=%q,result=%q} 1
`, iss, tt.wantReason, tt.wantResult)
				if err := testutil.CollectAndCompare(c, strings.NewReader(want), "jwtguard_jwt_verifications_total"); err != nil {
					t.Error(err)
				}
			})
		}
	})
	t.Run("every provider reason is a label value", func(t *testing.T) {
		c, _ := metrics.New(metrics.Config{})
		for _, r := range reasons.Codes {
			observe.From(c).Verifications.Verified(iss, errorWithReason(t, r), time.Millisecond)
		}
		if n, want := testutil.CollectAndCount(c, "jwtguard_jwt_verifications_total"), len(reasons.Codes); n != want {
			t.Errorf("%d series for %d reasons", n, want)
		}
	})
	t.Run("cache enums", func(t *testing.T) {
		c, _ := metrics.New(metrics.Config{})
		observe.From(c).Keys.Refreshed(observe.Refresh{Issuer: iss, Trigger: "invented", Result: "invented"})
		observe.From(c).Keys.UnknownKID(iss, "invented")
		want := header("jwtguard_jwks_refresh_total") + `
jwtguard_jwks_refresh_total{issuer="https://issuer.example",result="other",source="provider",trigger="other"} 1
` + header("jwtguard_jwks_unknown_kid_total") + `
jwtguard_jwks_unknown_kid_total{action="other",issuer="https://issuer.example"} 1
`
		if err := testutil.CollectAndCompare(c, strings.NewReader(want), "jwtguard_jwks_refresh_total", "jwtguard_jwks_unknown_kid_total"); err != nil {
			t.Error(err)
		}
	})
	t.Run("issuer", func(t *testing.T) {
		tests := []struct{ issuer, want string }{
			{"", "unknown"},
			{iss, iss},
			{"https://bad.example/\xff", "https://bad.example/\uFFFD"},
		}
		for _, tt := range tests {
			c, _ := metrics.New(metrics.Config{})
			observe.From(c).Keys.StaleServed(tt.issuer) // must not panic on invalid UTF-8
			want := header("jwtguard_jwks_stale_served_total") + fmt.Sprintf(`
jwtguard_jwks_stale_served_total{issuer=%q} 1
`, tt.want)
			if err := testutil.CollectAndCompare(c, strings.NewReader(want), "jwtguard_jwks_stale_served_total"); err != nil {
				t.Errorf("issuer %q: %v", tt.issuer, err)
			}
		}
	})
}

// errorWithReason returns a provider error whose Reason is r.
func errorWithReason(t *testing.T, r string) error {
	t.Helper()
	candidates := []error{
		reasons.TooLarge, reasons.Malformed, reasons.UnknownIssuer, reasons.Algorithm,
		reasons.KeyID, reasons.UnknownKey, reasons.Signature, provider.ErrExpired,
		reasons.NotYetValid, reasons.MissingClaim, reasons.Audience, reasons.TokenUse,
		reasons.Client, reasons.Claims, reasons.Type, reasons.MissingGroup, provider.ErrNoToken,
		provider.ErrKeysUnavailable, provider.ErrInvalidToken, errors.New("other"),
	}
	for _, err := range candidates {
		if provider.Reason(err) == r {
			return err
		}
	}
	t.Fatalf("no error with reason %q", r)
	return nil
}

// TestConcurrentHooksAndScrapes calls the hooks from many goroutines while
// scraping (run with -race) and checks that nothing was lost.
func TestConcurrentHooksAndScrapes(t *testing.T) {
	const (
		iss        = "https://issuer.example"
		goroutines = 8
		each       = 500
	)
	c, err := metrics.New(metrics.Config{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				if i%50 == 0 {
					testutil.CollectAndCount(c) // a scrape amid the hook calls
				}
				observe.From(c).Verifications.Verified(iss, nil, time.Microsecond)
				observe.From(c).Keys.UnknownKID(iss, observe.KIDSuppressed)
				observe.From(c).Keys.Refreshed(observe.Refresh{Issuer: iss, Trigger: observe.TriggerBackground, Result: observe.ResultUpdated,
					Keys: g, FetchedAt: time.Unix(int64(i), 0)})
			}
		})
	}
	wg.Wait()
	const n = goroutines * each
	want := header("jwtguard_jwt_verifications_total") + fmt.Sprintf(`
jwtguard_jwt_verifications_total{issuer=%q,reason="none",result="success"} %d
`, iss, n) + header("jwtguard_jwks_unknown_kid_total") + fmt.Sprintf(`
jwtguard_jwks_unknown_kid_total{action="suppressed",issuer=%q} %d
`, iss, n) + header("jwtguard_jwks_refresh_total") + fmt.Sprintf(`
jwtguard_jwks_refresh_total{issuer=%q,result="updated",source="provider",trigger="background"} %d
`, iss, n)
	if err := testutil.CollectAndCompare(c, strings.NewReader(want),
		"jwtguard_jwt_verifications_total", "jwtguard_jwks_unknown_kid_total", "jwtguard_jwks_refresh_total"); err != nil {
		t.Error(err)
	}
}

// TestAgeFromLatestDocument checks that a refresh reported late, with an
// older document, does not make the keys look older than they are, and
// that a fetch time ahead of the clock counts as age 0.
func TestAgeFromLatestDocument(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const iss = "https://issuer.example"
		c, err := metrics.New(metrics.Config{})
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		t0 := time.Now()
		time.Sleep(time.Minute)
		observe.From(c).Keys.Refreshed(observe.Refresh{Issuer: iss, Trigger: observe.TriggerShared, Result: observe.ResultUpdated, Keys: 1, FetchedAt: time.Now()})
		observe.From(c).Keys.Refreshed(observe.Refresh{Issuer: iss, Trigger: observe.TriggerBackground, Result: observe.ResultUpdated, Keys: 1, FetchedAt: t0})
		observe.From(c).Keys.Refreshed(observe.Refresh{Issuer: "https://ahead.example", Trigger: observe.TriggerShared, Result: observe.ResultUpdated,
			Keys: 1, FetchedAt: time.Now().Add(time.Hour)})
		time.Sleep(5 * time.Second)
		want := header("jwtguard_jwks_age_seconds") + `
jwtguard_jwks_age_seconds{issuer="https://ahead.example"} 0
jwtguard_jwks_age_seconds{issuer="https://issuer.example"} 5
`
		if err := testutil.CollectAndCompare(c, strings.NewReader(want), "jwtguard_jwks_age_seconds"); err != nil {
			t.Error(err)
		}
	})
}

// TokenCached counts each event under its issuer ("unknown" for ""), and
// drops an event it does not know, so the label stays bounded.
func TestTokenCached(t *testing.T) {
	c, err := metrics.New(metrics.Config{})
	if err != nil {
		t.Fatal(err)
	}
	const iss = "https://issuer.example"
	for _, ev := range []observe.CacheEvent{observe.CacheMiss, observe.CacheHit, observe.CacheHit, observe.CacheRejected, observe.CacheEvicted, "invented"} {
		observe.From(c).Verifications.TokenCached(iss, ev)
	}
	observe.From(c).Verifications.TokenCached("", observe.CacheMiss)
	want := `# HELP jwtguard_jwt_token_cache_events_total Events of the verifier's cache of verified tokens by issuer ("unknown" for a miss that was not routed to one) and event: hit, miss (verified in full), rejected (a forged token refused from the cache), evicted.
# TYPE jwtguard_jwt_token_cache_events_total counter
jwtguard_jwt_token_cache_events_total{event="evicted",issuer="https://issuer.example"} 1
jwtguard_jwt_token_cache_events_total{event="hit",issuer="https://issuer.example"} 2
jwtguard_jwt_token_cache_events_total{event="miss",issuer="https://issuer.example"} 1
jwtguard_jwt_token_cache_events_total{event="miss",issuer="unknown"} 1
jwtguard_jwt_token_cache_events_total{event="rejected",issuer="https://issuer.example"} 1
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "jwtguard_jwt_token_cache_events_total"); err != nil {
		t.Fatal(err)
	}
}

// Checked counts DPoP checks by result and reason; a reason that is no
// DPoP refusal's is "error".
func TestDPoPChecked(t *testing.T) {
	c, err := metrics.New(metrics.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"", "", "dpop_replay", "dpop_nonce", "a reason an attacker chose"} {
		observe.From(c).DPoP.Checked(r)
	}
	observe.From(c).DPoP.ReplayStoreFailed(errors.New("redis down"))
	want := `# HELP jwtguard_dpop_checks_total DPoP proofs checked by result (accepted, refused) and reason ("none" when accepted; dpop_replay: a replayed proof; dpop_nonce: a nonce asked for, one issued; …).
# TYPE jwtguard_dpop_checks_total counter
jwtguard_dpop_checks_total{reason="dpop_nonce",result="refused"} 1
jwtguard_dpop_checks_total{reason="dpop_replay",result="refused"} 1
jwtguard_dpop_checks_total{reason="error",result="refused"} 1
jwtguard_dpop_checks_total{reason="none",result="accepted"} 2
# HELP jwtguard_dpop_replay_store_errors_total Failures of the shared replay store; the replica checked its own memory instead.
# TYPE jwtguard_dpop_replay_store_errors_total counter
jwtguard_dpop_replay_store_errors_total 1
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "jwtguard_dpop_checks_total", "jwtguard_dpop_replay_store_errors_total"); err != nil {
		t.Fatal(err)
	}
}
