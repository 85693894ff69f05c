package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/issuertest"
)

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    config
		wantErr string
	}{
		{
			name: "flags",
			args: []string{"-issuer", "https://id.example", "-audience", "api://a, api://b", "-scope", "write", "-addr", ":9000"},
			want: config{Addr: ":9000", Issuer: "https://id.example", Audiences: []string{"api://a", "api://b"}, Scope: "write"},
		},
		{
			name: "environment",
			env: map[string]string{"OIDC_ISSUER": "https://id.example", "OIDC_AUDIENCE": "api://a",
				"OIDC_JWKS_URL": "https://id.example/keys", "REQUIRED_SCOPE": "ops", "ADDR": ":9001"},
			want: config{Addr: ":9001", Issuer: "https://id.example", Audiences: []string{"api://a"},
				JWKSURL: "https://id.example/keys", Scope: "ops"},
		},
		{
			name: "flags win over the environment",
			args: []string{"-issuer", "https://flag.example"},
			env:  map[string]string{"OIDC_ISSUER": "https://env.example", "OIDC_AUDIENCE": "api://a"},
			want: config{Addr: "127.0.0.1:8080", Issuer: "https://flag.example", Audiences: []string{"api://a"}, Scope: "admin"},
		},
		{name: "no issuer", args: []string{"-audience", "api://a"}, wantErr: "missing -issuer (or OIDC_ISSUER)"},
		{name: "no audience", args: []string{"-issuer", "https://id.example", "-audience", " , "}, wantErr: "missing -audience (or OIDC_AUDIENCE)"},
		{name: "empty scope", args: []string{"-issuer", "https://id.example", "-audience", "a", "-scope", ""}, wantErr: "-scope"},
		{name: "unknown flag", args: []string{"-issuer-url", "x"}, wantErr: "flag provided but not defined"},
		{name: "stray argument", args: []string{"-issuer", "https://id.example", "-audience", "a", "extra"}, wantErr: "unexpected arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseConfig(tt.args, func(k string) string { return tt.env[k] }, io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseConfig error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseConfig: %v", err)
			}
			if got.Addr != tt.want.Addr || got.Issuer != tt.want.Issuer || got.JWKSURL != tt.want.JWKSURL ||
				got.Scope != tt.want.Scope || !slices.Equal(got.Audiences, tt.want.Audiences) {
				t.Errorf("parseConfig = %+v, want %+v", got, tt.want)
			}
		})
	}
	if _, err := parseConfig([]string{"-h"}, func(string) string { return "" }, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: error %v, want flag.ErrHelp", err)
	}
}

// TestRouter drives the router against an issuertest issuer found by
// discovery.
func TestRouter(t *testing.T) {
	iss := issuertest.New()
	defer iss.Close()
	a, err := newApp(context.Background(), config{Issuer: iss.Issuer(), Audiences: []string{"api"}, Scope: "admin"},
		slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("newApp: %v", err)
	}
	defer a.Close()
	srv := httptest.NewServer(a.Handler)
	defer srv.Close()

	user := iss.Token("alice", "api", jwt.MapClaims{"scope": "read"})
	admin := iss.Token("root", "api", jwt.MapClaims{"scope": "read admin"})
	expired := iss.Sign("", iss.Claims("alice", "api", -time.Minute, nil))
	tests := []struct {
		name, path, token string
		wantStatus        int
		wantBody          string
	}{
		{"public", "/healthz", "", http.StatusOK, `"ok"`},
		{"protected without a token", "/api/me", "", http.StatusUnauthorized, `"unauthorized"`},
		{"protected with a token", "/api/me", user, http.StatusOK, `"subject":"alice"`},
		{"protected with an expired token", "/api/me", expired, http.StatusUnauthorized, `"invalid_token"`},
		{"protected for another audience", "/api/me", iss.Token("alice", "other", nil), http.StatusUnauthorized, `"invalid_token"`},
		{"guarded without the scope", "/api/admin", user, http.StatusForbidden, `"insufficient_scope"`},
		{"guarded with the scope", "/api/admin", admin, http.StatusOK, `hello, admin root`},
		{"guarded without a token", "/api/admin", "", http.StatusUnauthorized, `"unauthorized"`},
		// gorilla/mux runs subrouter middleware only on a match.
		{"unknown path under /api", "/api/nope", "", http.StatusNotFound, "404 page not found"},
		// Three tokens passed the middleware; one of them then lacked the scope.
		{"metrics", "/metrics", "", http.StatusOK, `jwtguard_jwt_verifications_total{issuer="` + iss.Issuer() + `",reason="none",result="success"} 3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := get(t, srv.URL+tt.path, tt.token)
			if status != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
				t.Errorf("GET %s: %d %q, want %d and a body containing %q", tt.path, status, excerpt(body), tt.wantStatus, tt.wantBody)
			}
		})
	}
	// /metrics carries the Go and process collectors too.
	_, body := get(t, srv.URL+"/metrics", "")
	for _, name := range []string{"jwtguard_jwks_keys", "jwtguard_jwt_verification_duration_seconds_bucket", "go_goroutines", "process_start_time_seconds"} {
		if !strings.Contains(body, "\n"+name) {
			t.Errorf("/metrics has no %s", name)
		}
	}
}

// TestRun serves on a real listener and shuts down when the context ends.
func TestRun(t *testing.T) {
	t.Run("serves", func(t *testing.T) {
		iss := issuertest.New()
		defer iss.Close()
		addr, stop := startRun(t, iss.Issuer())
		if status, _ := get(t, "http://"+addr+"/api/me", iss.Token("alice", "api", nil)); status != http.StatusOK {
			t.Errorf("GET /api/me: %d, want 200", status)
		}
		stop()
		if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			t.Error("still listening after run returned")
		}
	})
	t.Run("keys unavailable", func(t *testing.T) {
		iss := issuertest.New()
		defer iss.Close()
		iss.SetStatus(http.StatusInternalServerError) // discovery works, the JWKS does not
		addr, stop := startRun(t, iss.Issuer())
		defer stop()
		status, body := get(t, "http://"+addr+"/api/me", iss.Token("alice", "api", nil))
		if status != http.StatusServiceUnavailable || !strings.Contains(body, "temporarily_unavailable") {
			t.Errorf("GET /api/me: %d %q, want 503 temporarily_unavailable", status, body)
		}
		if status, _ := get(t, "http://"+addr+"/healthz", ""); status != http.StatusOK {
			t.Errorf("GET /healthz: %d, want 200", status)
		}
	})
	t.Run("discovery fails", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		dead := httptest.NewServer(http.NotFoundHandler())
		dead.Close()
		err = run(context.Background(), config{Issuer: dead.URL, Audiences: []string{"api"}, Scope: "admin"}, ln, slog.New(slog.DiscardHandler))
		if err == nil || !strings.Contains(err.Error(), "discovery") {
			t.Errorf("run = %v, want a discovery error", err)
		}
		if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
			t.Error("the listener is still open after run failed")
		}
	})
}

// startRun starts run for issuer on a fresh listener and returns its
// address and a function that cancels it and checks that it returned nil.
func startRun(t *testing.T, issuer string) (string, func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, config{Issuer: issuer, Audiences: []string{"api"}, Scope: "admin"}, ln, slog.New(slog.DiscardHandler))
	}()
	var once sync.Once
	// The listener is open already: requests wait for Serve.
	return ln.Addr().String(), func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("run: %v", err)
			}
		})
	}
}

// excerpt returns body, or only its jwtguard lines if it is a long
// exposition.
func excerpt(body string) string {
	if len(body) < 1000 {
		return body
	}
	var lines []string
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, "jwtguard_jwt_verifications_total") {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", url, err)
	}
	return resp.StatusCode, string(b)
}
