package metrics_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/promtest"
	"github.com/jwtguard/jwtguard/internal/reasons"
	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/metrics"
	"github.com/jwtguard/jwtguard/provider"
)

// TestVerifierExposition runs a real Verifier and key cache against an
// testissuer issuer through a scripted sequence — first fetch, provider
// down and stale keys served, unknown kids, a key rotation, an unknown
// issuer — and compares the whole exposition. In the synctest bubble the
// clock only moves when the test sleeps, so every duration is 0 and every
// time exact (t0 = 946684800).
func TestVerifierExposition(t *testing.T) {
	iss := testissuer.New() // servers start outside the bubble
	defer iss.Close()
	synctest.Test(t, func(t *testing.T) {
		m, err := metrics.New(metrics.Config{})
		if err != nil {
			t.Fatalf("metrics.New: %v", err)
		}
		p, err := provider.NewOIDC(context.Background(), provider.OIDCConfig{
			Issuer: iss.Issuer(), JWKSURL: iss.JWKSURL(), Audiences: []string{"api"},
		})
		if err != nil {
			t.Fatalf("NewOIDC: %v", err)
		}
		v, err := provider.NewVerifier(provider.VerifierConfig{
			Providers: []provider.Provider{p},
			Metrics:   m,
			Cache: cache.Config{ // no Metrics of its own: the Verifier's reaches it
				HTTPClient:               &http.Client{Transport: &http.Transport{DisableKeepAlives: true}},
				DisableBackgroundRefresh: true,
				Interval:                 10 * time.Minute,
				UnknownKIDCooldown:       time.Minute,
			},
		})
		if err != nil {
			t.Fatalf("NewVerifier: %v", err)
		}
		defer v.Close()

		step := func(name, token string, wantErr error) {
			t.Helper()
			_, err := v.Verify(context.Background(), token)
			if (wantErr == nil) != (err == nil) || (wantErr != nil && !errors.Is(err, wantErr)) {
				t.Fatalf("%s: Verify = %v, want %v", name, err, wantErr)
			}
		}
		good := func() string { return iss.Token("alice", "api", nil) }
		withKID := func(kid string) string {
			return iss.SignWithHeader("", map[string]any{"kid": kid}, iss.Claims("alice", "api", time.Hour, nil))
		}

		// t0: the first verification fetches the keys.
		step("first token", good(), nil)
		// t0+660s: the provider is down and the keys expired 60 s ago:
		// one failed refresh, then stale keys without refetching.
		iss.SetStatus(http.StatusInternalServerError)
		time.Sleep(11 * time.Minute)
		step("stale, refresh fails", good(), nil)
		step("stale, backing off", good(), nil)
		// t0+720s: the provider is back. Refreshes have been failing, so
		// the next verification is served the stale keys at once while the
		// retry renews the set (304). Then an unknown kid refreshes once
		// (304, still unknown), the next is suppressed by the cooldown.
		iss.SetStatus(0)
		time.Sleep(time.Minute)
		step("stale, retry in flight", good(), nil)
		synctest.Wait() // the retry has finished
		step("unknown kid", withKID("nobody-published-this"), reasons.UnknownKey)
		step("another unknown kid", withKID("nor-this"), reasons.UnknownKey)
		// A new key: suppressed until the cooldown is over (t0+780s),
		// then found by a refresh.
		kid2 := iss.AddKey("RS256")
		token2 := iss.Sign(kid2, iss.Claims("bob", "api", time.Hour, nil))
		step("rotated key during the cooldown", token2, reasons.UnknownKey)
		time.Sleep(time.Minute)
		step("rotated key after the cooldown", token2, nil)
		// A token from an issuer nobody configured.
		step("unknown issuer", iss.Token("eve", "api", jwt.MapClaims{"iss": "https://elsewhere.example"}), reasons.UnknownIssuer)
		// Scraped at t0+810s.
		time.Sleep(30 * time.Second)

		want := strings.ReplaceAll(verifierExposition, "ISSUER", iss.Issuer())
		if err := testutil.CollectAndCompare(m, strings.NewReader(want)); err != nil {
			t.Error(err)
		}
	})
}

// verifierExposition is what TestVerifierExposition must collect; ISSUER
// stands for the testissuer URL. The last refresh fetched at t0+780s =
// 946685580, scraped 30 s later.
var verifierExposition = header("jwtguard_jwks_age_seconds") + `
jwtguard_jwks_age_seconds{issuer="ISSUER"} 30
` + header("jwtguard_jwks_keys") + `
jwtguard_jwks_keys{issuer="ISSUER"} 2
` + header("jwtguard_jwks_last_refresh_success_timestamp_seconds") + `
jwtguard_jwks_last_refresh_success_timestamp_seconds{issuer="ISSUER"} 9.4668558e+08
` + header("jwtguard_jwks_refresh_duration_seconds") +
	promtest.Histogram("jwtguard_jwks_refresh_duration_seconds", `issuer="ISSUER"`, refreshBuckets, []int{5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5}, 0) +
	header("jwtguard_jwks_refresh_total") + `
jwtguard_jwks_refresh_total{issuer="ISSUER",result="error",source="provider",trigger="time"} 1
jwtguard_jwks_refresh_total{issuer="ISSUER",result="not_modified",source="provider",trigger="time"} 1
jwtguard_jwks_refresh_total{issuer="ISSUER",result="not_modified",source="provider",trigger="unknown_kid"} 1
jwtguard_jwks_refresh_total{issuer="ISSUER",result="updated",source="provider",trigger="initial"} 1
jwtguard_jwks_refresh_total{issuer="ISSUER",result="updated",source="provider",trigger="unknown_kid"} 1
` + header("jwtguard_jwks_stale_served_total") + `
jwtguard_jwks_stale_served_total{issuer="ISSUER"} 3
` + header("jwtguard_jwks_unknown_kid_total") + `
jwtguard_jwks_unknown_kid_total{action="refreshed",issuer="ISSUER"} 1
jwtguard_jwks_unknown_kid_total{action="rejected",issuer="ISSUER"} 1
jwtguard_jwks_unknown_kid_total{action="suppressed",issuer="ISSUER"} 2
# HELP jwtguard_jwt_token_cache_events_total Events of the verifier's cache of verified tokens by issuer ("unknown" for a miss that was not routed to one) and event: hit, miss (verified in full), rejected (a forged token refused from the cache), evicted.
# TYPE jwtguard_jwt_token_cache_events_total counter
jwtguard_jwt_token_cache_events_total{event="miss",issuer="ISSUER"} 8
jwtguard_jwt_token_cache_events_total{event="miss",issuer="unknown"} 1
` + header("jwtguard_jwt_verification_duration_seconds") +
	promtest.Histogram("jwtguard_jwt_verification_duration_seconds", `issuer="ISSUER"`, verificationBuckets, []int{8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8}, 0) +
	promtest.Histogram("jwtguard_jwt_verification_duration_seconds", `issuer="unknown"`, verificationBuckets, []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 0) +
	header("jwtguard_jwt_verifications_total") + `
jwtguard_jwt_verifications_total{issuer="ISSUER",reason="none",result="success"} 5
jwtguard_jwt_verifications_total{issuer="ISSUER",reason="unknown_key",result="failure"} 3
jwtguard_jwt_verifications_total{issuer="unknown",reason="unknown_issuer",result="failure"} 1
`
