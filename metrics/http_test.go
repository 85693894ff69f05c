package metrics_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/jwtguard/jwtguard/internal/testissuer"
	"github.com/jwtguard/jwtguard/metrics"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/provider"
)

// TestScrapeOverHTTP serves an API behind the middleware and /metrics from
// promhttp over a real HTTP server, and watches the series move as
// requests come in.
func TestScrapeOverHTTP(t *testing.T) {
	iss := testissuer.New()
	defer iss.Close()

	reg := prometheus.NewRegistry()
	m, err := metrics.New(metrics.Config{Registerer: reg})
	if err != nil {
		t.Fatalf("metrics.New: %v", err)
	}
	p, err := provider.NewOIDC(context.Background(), provider.OIDCConfig{Issuer: iss.Issuer(), Audiences: []string{"api"}})
	if err != nil {
		t.Fatalf("NewOIDC (discovery): %v", err)
	}
	v, err := provider.NewVerifier(provider.VerifierConfig{
		Providers: []provider.Provider{p},
		Metrics:   m,
	})
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	defer v.Close()
	mw, err := middleware.New(middleware.Config{Verifier: v})
	if err != nil {
		t.Fatalf("middleware.New: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api", mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "hello "+middleware.FromContext(r.Context()).Subject())
	})))
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	const names = "jwtguard_jwt_verifications_total jwtguard_jwks_refresh_total jwtguard_jwks_keys"
	scrape := func(want string) {
		t.Helper()
		want = strings.ReplaceAll(want, "ISSUER", iss.Issuer())
		if err := testutil.ScrapeAndCompare(srv.URL+"/metrics", strings.NewReader(want), strings.Fields(names)...); err != nil {
			t.Error(err)
		}
	}
	call := func(token string, wantStatus int) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatalf("GET /api: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != wantStatus {
			t.Fatalf("GET /api: status %d, want %d", resp.StatusCode, wantStatus)
		}
	}

	// Nothing verified yet: no series.
	scrape("")

	call(iss.Token("alice", "api", nil), http.StatusOK)
	call(iss.Token("alice", "api", nil), http.StatusOK)
	call("", http.StatusUnauthorized) // no token: the verifier is not called
	call(iss.Sign("", iss.Claims("alice", "api", -time.Minute, nil)), http.StatusUnauthorized)
	call(iss.Token("alice", "another-api", nil), http.StatusUnauthorized)
	call(iss.Token("eve", "api", jwt.MapClaims{"iss": "https://elsewhere.example"}), http.StatusUnauthorized)

	scrape(header("jwtguard_jwks_keys") + `
jwtguard_jwks_keys{issuer="ISSUER"} 1
` + header("jwtguard_jwks_refresh_total") + `
jwtguard_jwks_refresh_total{issuer="ISSUER",result="updated",source="provider",trigger="initial"} 1
` + header("jwtguard_jwt_verifications_total") + `
jwtguard_jwt_verifications_total{issuer="ISSUER",reason="audience",result="failure"} 1
jwtguard_jwt_verifications_total{issuer="ISSUER",reason="expired",result="failure"} 1
jwtguard_jwt_verifications_total{issuer="ISSUER",reason="none",result="success"} 2
jwtguard_jwt_verifications_total{issuer="unknown",reason="unknown_issuer",result="failure"} 1
`)

	// The scrape is clean by promlint's rules, and the computed gauges
	// are there.
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatalf("GatherAndLint: %v", err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
	for _, name := range []string{"jwtguard_jwks_age_seconds", "jwtguard_jwks_last_refresh_success_timestamp_seconds"} {
		if n, err := testutil.GatherAndCount(reg, name); err != nil || n != 1 {
			t.Errorf("%s: %d series (%v), want 1", name, n, err)
		}
	}
}
