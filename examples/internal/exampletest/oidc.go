package exampletest

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/examples/internal/server"
	"github.com/jwtguard/jwtguard/issuertest"
)

// oidcConfig is the configuration the OIDC checks give an example for
// issuer: audience "api", scope "admin".
func oidcConfig(issuer string) server.OIDCConfig {
	return server.OIDCConfig{Issuer: issuer, Audiences: []string{"api"}, Scope: "admin"}
}

// CheckOIDCRouter drives the API that server.NewOIDCApp builds with router
// (chi's, gorilla's) against an issuertest issuer found by discovery: the
// routes every such example answers alike, then extra, the router's own,
// then /metrics, which must count the verifications of those routes and
// carry the Go and process collectors too.
func CheckOIDCRouter(t *testing.T, router server.OIDCRouter, extra ...Route) {
	t.Helper()
	iss := issuertest.New()
	t.Cleanup(iss.Close)
	a, err := server.NewOIDCApp(context.Background(), oidcConfig(iss.Issuer()), slog.New(slog.DiscardHandler), router)
	if err != nil {
		t.Fatalf("NewOIDCApp: %v", err)
	}
	base := Serve(t, a)

	user := iss.Token("alice", "api", jwt.MapClaims{"scope": "read"})
	admin := iss.Token("root", "api", jwt.MapClaims{"scope": "read admin"})
	expired := iss.Sign("", iss.Claims("alice", "api", -time.Minute, nil))
	routes := []Route{
		{"public", "/healthz", "", http.StatusOK, `"ok"`},
		{"protected without a token", "/api/me", "", http.StatusUnauthorized, `"unauthorized"`},
		{"protected with a token", "/api/me", user, http.StatusOK, `"subject":"alice"`},
		{"protected with an expired token", "/api/me", expired, http.StatusUnauthorized, `"invalid_token"`},
		{"protected for another audience", "/api/me", iss.Token("alice", "other", nil), http.StatusUnauthorized, `"invalid_token"`},
		{"guarded without the scope", "/api/admin", user, http.StatusForbidden, `"insufficient_scope"`},
		{"guarded with the scope", "/api/admin", admin, http.StatusOK, `hello, admin root`},
		{"guarded without a token", "/api/admin", "", http.StatusUnauthorized, `"unauthorized"`},
	}
	routes = append(routes, extra...)
	// Three tokens passed the middleware; one of them then lacked the scope.
	routes = append(routes, Route{"metrics", "/metrics", "", http.StatusOK,
		`jwtguard_jwt_verifications_total{issuer="` + iss.Issuer() + `",reason="none",result="success"} 3`})
	CheckRoutes(t, base, routes)

	_, body := Get(t, base+"/metrics", "")
	for _, name := range []string{"jwtguard_jwks_keys", "jwtguard_jwt_verification_duration_seconds_bucket", "go_goroutines", "process_start_time_seconds"} {
		if !strings.Contains(body, "\n"+name) {
			t.Errorf("/metrics has no %s", name)
		}
	}
}

// CheckOIDCRun runs server.RunOIDC with router (chi's, gorilla's) on a
// real listener: it serves until its context ends and then no longer
// listens; it serves while the keys cannot be fetched, protected routes
// answering 503; and when discovery fails it returns that error and
// closes the listener.
func CheckOIDCRun(t *testing.T, router server.OIDCRouter) {
	t.Helper()
	startRun := func(t *testing.T, iss *issuertest.Issuer) (string, func()) {
		return StartRun(t, func(ctx context.Context, ln net.Listener) error {
			return server.RunOIDC(ctx, oidcConfig(iss.Issuer()), ln, slog.New(slog.DiscardHandler), router)
		})
	}
	t.Run("serves", func(t *testing.T) {
		iss := issuertest.New()
		defer iss.Close()
		addr, stop := startRun(t, iss)
		if status, _ := Get(t, "http://"+addr+"/api/me", iss.Token("alice", "api", nil)); status != http.StatusOK {
			t.Errorf("GET /api/me: %d, want 200", status)
		}
		stop()
		CheckClosed(t, addr)
	})
	t.Run("keys unavailable", func(t *testing.T) {
		iss := issuertest.New()
		defer iss.Close()
		iss.SetStatus(http.StatusInternalServerError) // discovery works, the JWKS does not
		addr, stop := startRun(t, iss)
		defer stop()
		status, body := Get(t, "http://"+addr+"/api/me", iss.Token("alice", "api", nil))
		if status != http.StatusServiceUnavailable || !strings.Contains(body, "temporarily_unavailable") {
			t.Errorf("GET /api/me: %d %q, want 503 temporarily_unavailable", status, body)
		}
		if status, _ := Get(t, "http://"+addr+"/healthz", ""); status != http.StatusOK {
			t.Errorf("GET /healthz: %d, want 200", status)
		}
	})
	t.Run("discovery fails", func(t *testing.T) {
		ln := Listen(t)
		dead := httptest.NewServer(http.NotFoundHandler())
		dead.Close()
		err := server.RunOIDC(context.Background(), oidcConfig(dead.URL), ln, slog.New(slog.DiscardHandler), router)
		if err == nil || !strings.Contains(err.Error(), "discovery") {
			t.Errorf("RunOIDC = %v, want a discovery error", err)
		}
		CheckClosed(t, ln.Addr().String())
	})
}
