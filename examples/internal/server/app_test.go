package server_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/jwtguard/jwtguard/examples/internal/exampletest"
	"github.com/jwtguard/jwtguard/examples/internal/server"
	"github.com/jwtguard/jwtguard/issuertest"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/provider"
)

// routes mounts /metrics in the open and /api/me behind mw, as the
// examples do.
func routes(mw *middleware.Middleware, g prometheus.Gatherer) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	mux.Handle("GET /api/me", mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		server.WriteJSON(w, map[string]string{"subject": middleware.FromContext(r.Context()).Subject()})
	})))
	return mux
}

// oidcProvider returns the Provider of iss for audience "api", with its
// JWKS URL given: no discovery.
func oidcProvider(t *testing.T, iss *issuertest.Issuer) provider.Provider {
	t.Helper()
	p, err := provider.NewOIDC(context.Background(), provider.OIDCConfig{Issuer: iss.Issuer(), JWKSURL: iss.JWKSURL(), Audiences: []string{"api"}})
	if err != nil {
		t.Fatalf("NewOIDC: %v", err)
	}
	return p
}

func TestNewRefuses(t *testing.T) {
	iss := issuertest.New()
	defer iss.Close()
	tests := []struct {
		name    string
		cfg     server.Config
		wantErr string
	}{
		{"no routes", server.Config{Providers: []provider.Provider{oidcProvider(t, iss)}}, "server: Config.Routes is nil"},
		{"no providers", server.Config{Routes: routes}, "provider: VerifierConfig.Providers is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := server.New(tt.cfg)
			if err == nil {
				a.Close()
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("New error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestNew builds an App for a TLS issuer, whose keys only the issuer's
// own client can fetch, and checks what each part of Config reached.
func TestNew(t *testing.T) {
	iss := issuertest.NewTLS()
	defer iss.Close()
	var logs bytes.Buffer
	calls := 0
	a, err := server.New(server.Config{
		Providers:  []provider.Provider{oidcProvider(t, iss)},
		HTTPClient: iss.Server.Client(),
		Logger:     slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Routes: func(mw *middleware.Middleware, g prometheus.Gatherer) http.Handler {
			calls++
			if mw == nil || g == nil {
				t.Errorf("Routes(%v, %v): want a middleware and a gatherer", mw, g)
			}
			return routes(mw, g)
		},
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if calls != 1 {
		t.Errorf("Routes called %d times, want 1", calls)
	}
	// The keys are fetched with HTTPClient: another client would not trust
	// the issuer's certificate.
	if err := a.Load(context.Background()); err != nil {
		t.Fatalf("Load: %v", err)
	}
	base := exampletest.Serve(t, a)
	exampletest.CheckRoutes(t, base, []exampletest.Route{
		{Name: "a valid token", Path: "/api/me", Token: iss.Token("alice", "api", nil), Status: http.StatusOK, Body: `"subject":"alice"`},
		{Name: "a token for another audience", Path: "/api/me", Token: iss.Token("alice", "other", nil), Status: http.StatusUnauthorized, Body: `"invalid_token"`},
		// The registry has the jwtguard collectors, which counted the
		// verifications, and the Go and process collectors.
		{Name: "jwtguard metrics", Path: "/metrics", Status: http.StatusOK,
			Body: `jwtguard_jwt_verifications_total{issuer="` + iss.Issuer() + `",reason="none",result="success"} 1`},
		{Name: "Go metrics", Path: "/metrics", Status: http.StatusOK, Body: "\ngo_goroutines "},
		{Name: "process metrics", Path: "/metrics", Status: http.StatusOK, Body: "\nprocess_start_time_seconds "},
	})
	// The middleware logs the rejected request at debug.
	if got := logs.String(); !strings.Contains(got, "request rejected") || !strings.Contains(got, "path=/api/me") {
		t.Errorf("the logger received no rejection of /api/me:\n%s", logs.String())
	}
}

// TestNewHTTPClient checks that without HTTPClient the keys are fetched
// with http.DefaultClient, which does not trust a test issuer's
// certificate.
func TestNewHTTPClient(t *testing.T) {
	iss := issuertest.NewTLS()
	defer iss.Close()
	a, err := server.New(server.Config{Providers: []provider.Provider{oidcProvider(t, iss)}, Routes: routes})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer a.Close()
	if err := a.Load(context.Background()); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("Load = %v, want a certificate error", err)
	}
}
