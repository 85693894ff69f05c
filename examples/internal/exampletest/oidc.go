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

	"github.com/jwtguard/jwtguard/issuertest"
)

// OIDCRun runs an example that accepts the tokens of one OpenID Connect
// issuer (chi, gorilla) on ln until ctx ends, logging to logger: the
// example's run with a configuration for issuer (discovered), audience
// "api" and scope "admin".
type OIDCRun func(ctx context.Context, ln net.Listener, issuer string, logger *slog.Logger) error

// CheckOIDCRouter drives an OIDC example (chi's, gorilla's), run on a
// real listener, against an issuertest issuer found by discovery: the
// routes every such example answers alike, then extra, the router's own,
// then /metrics, which must count the verifications of those routes and
// carry the Go and process collectors too.
func CheckOIDCRouter(t *testing.T, run OIDCRun, extra ...Route) {
	t.Helper()
	iss := issuertest.New()
	t.Cleanup(iss.Close)
	addr, _ := StartRun(t, func(ctx context.Context, ln net.Listener) error {
		return run(ctx, ln, iss.Issuer(), slog.New(slog.DiscardHandler))
	})
	base := "http://" + addr

	user := iss.Token("alice", "api", jwt.MapClaims{"scope": "read"})
	admin := iss.Token("root", "api", jwt.MapClaims{"scope": "read admin"})
	expired := iss.Sign("", iss.Claims("alice", "api", -time.Minute, nil))
	const jsonType = "application/json"
	routes := []Route{
		{"public", "/healthz", "", http.StatusOK, `{"status":"ok"}`, jsonType},
		{"protected without a token", "/api/me", "", http.StatusUnauthorized, `"unauthorized"`, ""},
		{"protected with a token", "/api/me", user, http.StatusOK, `{"scopes":["read"],"subject":"alice"}`, jsonType},
		{"protected with an expired token", "/api/me", expired, http.StatusUnauthorized, `"invalid_token"`, ""},
		{"protected for another audience", "/api/me", iss.Token("alice", "other", nil), http.StatusUnauthorized, `"invalid_token"`, ""},
		{"guarded without the scope", "/api/admin", user, http.StatusForbidden, `"insufficient_scope"`, ""},
		{"guarded with the scope", "/api/admin", admin, http.StatusOK, `hello, admin root`, jsonType},
		{"guarded without a token", "/api/admin", "", http.StatusUnauthorized, `"unauthorized"`, ""},
	}
	routes = append(routes, extra...)
	// Three tokens passed the middleware; one of them then lacked the scope.
	routes = append(routes, Route{Name: "metrics", Path: "/metrics", Status: http.StatusOK,
		Body: `jwtguard_jwt_verifications_total{issuer="` + iss.Issuer() + `",reason="none",result="success"} 3`})
	CheckRoutes(t, base, routes)

	_, body := Get(t, base+"/metrics", "")
	for _, name := range []string{"jwtguard_jwks_keys", "jwtguard_jwt_verification_duration_seconds_bucket", "go_goroutines", "process_start_time_seconds"} {
		if !strings.Contains(body, "\n"+name) {
			t.Errorf("/metrics has no %s", name)
		}
	}
}

// CheckOIDCRun runs an OIDC example (chi's, gorilla's) on a real
// listener: it serves until its context ends and then no longer listens,
// logging where it listens and, through the middleware, the requests it
// rejects; it serves while the keys cannot be fetched, protected routes
// answering 503, and warns; when discovery fails it returns that error and
// closes the listener; and it shuts down gracefully.
func CheckOIDCRun(t *testing.T, run OIDCRun) {
	t.Helper()
	t.Run("serves", func(t *testing.T) {
		iss := issuertest.New()
		defer iss.Close()
		var logs Logs
		addr, stop := StartRun(t, func(ctx context.Context, ln net.Listener) error {
			return run(ctx, ln, iss.Issuer(), logs.Logger())
		})
		if status, body := Get(t, "http://"+addr+"/api/me", iss.Token("alice", "api", nil)); status != http.StatusOK {
			t.Errorf("GET /api/me: %d %q, want 200", status, body)
		}
		if status, _ := Get(t, "http://"+addr+"/api/me", iss.Token("alice", "other", nil)); status != http.StatusUnauthorized {
			t.Errorf("GET /api/me for another audience: %d, want 401", status)
		}
		stop()
		CheckClosed(t, addr)
		got := logs.String()
		if !strings.Contains(got, "msg=listening addr="+addr+" issuer="+iss.Issuer()) || strings.Contains(got, "keys not loaded") {
			t.Errorf("logs:\n%s\nwant a line listening on %s for %s, and no warning", got, addr, iss.Issuer())
		}
		if !strings.Contains(got, "request rejected") || !strings.Contains(got, "path=/api/me") {
			t.Errorf("logs:\n%s\nwant the middleware's rejection of /api/me", got)
		}
	})
	t.Run("keys unavailable", func(t *testing.T) {
		iss := issuertest.New()
		defer iss.Close()
		iss.SetStatus(http.StatusInternalServerError) // discovery works, the JWKS does not
		var logs Logs
		addr, stop := StartRun(t, func(ctx context.Context, ln net.Listener) error {
			return run(ctx, ln, iss.Issuer(), logs.Logger())
		})
		defer stop()
		status, body := Get(t, "http://"+addr+"/api/me", iss.Token("alice", "api", nil))
		if status != http.StatusServiceUnavailable || !strings.Contains(body, "temporarily_unavailable") {
			t.Errorf("GET /api/me: %d %q, want 503 temporarily_unavailable", status, body)
		}
		if status, _ := Get(t, "http://"+addr+"/healthz", ""); status != http.StatusOK {
			t.Errorf("GET /healthz: %d, want 200", status)
		}
		if got := logs.String(); !strings.Contains(got, `level=WARN msg="keys not loaded yet`) {
			t.Errorf("logs:\n%s\nwant a warning that the keys are not loaded", got)
		}
	})
	t.Run("discovery fails", func(t *testing.T) {
		ln := Listen(t)
		dead := httptest.NewServer(http.NotFoundHandler())
		dead.Close()
		err := run(context.Background(), ln, dead.URL, slog.New(slog.DiscardHandler))
		if err == nil || !strings.Contains(err.Error(), "discovery") {
			t.Errorf("run = %v, want a discovery error", err)
		}
		CheckClosed(t, ln.Addr().String())
	})
	t.Run("shuts down gracefully", func(t *testing.T) {
		iss := issuertest.New()
		defer iss.Close()
		CheckGracefulShutdown(t, "/api/me", func(ctx context.Context, ln net.Listener, logger *slog.Logger) error {
			return run(ctx, ln, iss.Issuer(), logger)
		})
	})
}
