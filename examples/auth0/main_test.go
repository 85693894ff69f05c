package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/auth0"
	"github.com/jwtguard/jwtguard/issuertest"
)

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		want       config
		wantIssuer string
		wantJWKS   string
		wantErr    string
	}{
		{
			name: "flags",
			args: []string{"-domain", "example.eu.auth0.com", "-audience", "https://api.example.com, https://admin.example.com", "-permission", "write:messages"},
			want: config{Addr: "127.0.0.1:8080", Domain: "example.eu.auth0.com",
				Audiences: []string{"https://api.example.com", "https://admin.example.com"}, Permission: "write:messages"},
			wantIssuer: "https://example.eu.auth0.com/",
			wantJWKS:   "https://example.eu.auth0.com/.well-known/jwks.json",
		},
		{
			name:       "environment, custom domain as a URL",
			env:        map[string]string{"AUTH0_DOMAIN": "https://Login.Example.com/", "AUTH0_AUDIENCE": "https://api.example.com", "ADDR": ":9000"},
			want:       config{Addr: ":9000", Domain: "https://Login.Example.com/", Audiences: []string{"https://api.example.com"}, Permission: "read:messages"},
			wantIssuer: "https://login.example.com/",
			wantJWKS:   "https://login.example.com/.well-known/jwks.json",
		},
		{
			name:       "flags win over the environment",
			args:       []string{"-domain", "flag.us.auth0.com"},
			env:        map[string]string{"AUTH0_DOMAIN": "env.us.auth0.com", "AUTH0_AUDIENCE": "api", "AUTH0_PERMISSION": "read:env"},
			want:       config{Addr: "127.0.0.1:8080", Domain: "flag.us.auth0.com", Audiences: []string{"api"}, Permission: "read:env"},
			wantIssuer: "https://flag.us.auth0.com/",
			wantJWKS:   "https://flag.us.auth0.com/.well-known/jwks.json",
		},
		{name: "no domain", args: []string{"-audience", "api"}, wantErr: "missing -domain (or AUTH0_DOMAIN)"},
		{name: "no audience", args: []string{"-domain", "example.auth0.com"}, wantErr: "missing -audience (or AUTH0_AUDIENCE)"},
		{name: "empty permission", args: []string{"-domain", "example.auth0.com", "-audience", "api", "-permission", ""}, wantErr: "-permission"},
		{name: "stray argument", args: []string{"-domain", "example.auth0.com", "x"}, wantErr: "unexpected arguments"},
		// Errors auth0.New finds, reported when the provider is built.
		{name: "plain http domain", args: []string{"-domain", "http://example.auth0.com", "-audience", "api"}, wantErr: "auth0: domain"},
		{name: "domain with a path", args: []string{"-domain", "example.auth0.com/tenant", "-audience", "api"}, wantErr: "auth0: domain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseConfig(tt.args, func(k string) string { return tt.env[k] }, io.Discard)
			if err == nil {
				var p *auth0.Provider
				if p, err = cfg.provider(); err == nil {
					if p.Issuer() != tt.wantIssuer || p.JWKSURL() != tt.wantJWKS {
						t.Errorf("issuer %q, JWKS %q; want %q, %q", p.Issuer(), p.JWKSURL(), tt.wantIssuer, tt.wantJWKS)
					}
				}
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseConfig, provider: %v", err)
			}
			if cfg.Addr != tt.want.Addr || cfg.Domain != tt.want.Domain || cfg.Permission != tt.want.Permission ||
				!slices.Equal(cfg.Audiences, tt.want.Audiences) {
				t.Errorf("parseConfig = %+v, want %+v", cfg, tt.want)
			}
		})
	}
	if _, err := parseConfig([]string{"-h"}, func(string) string { return "" }, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: error %v, want flag.ErrHelp", err)
	}
}

// fakeTenant makes a TLS issuertest issuer look like an Auth0 tenant on
// domain 127.0.0.1:<port>: iss "https://127.0.0.1:<port>/".
func fakeTenant(t *testing.T) (*issuertest.Issuer, config) {
	t.Helper()
	iss := issuertest.NewTLS()
	t.Cleanup(iss.Close)
	domain := strings.TrimPrefix(iss.URL, "https://")
	iss.SetIssuer("https://" + domain + "/")
	return iss, config{Domain: domain, Audiences: []string{"https://api.example.com"}, Permission: "read:messages"}
}

// TestRouter drives the router against a TLS issuertest issuer standing in
// for the tenant, trusted through the HTTP client.
func TestRouter(t *testing.T) {
	iss, cfg := fakeTenant(t)
	a, err := newApp(cfg, slog.New(slog.DiscardHandler), iss.Server.Client())
	if err != nil {
		t.Fatalf("newApp: %v", err)
	}
	defer a.Close()
	srv := httptest.NewServer(a.Handler)
	defer srv.Close()

	const aud = "https://api.example.com"
	reader := iss.Token("auth0|alice", aud, jwt.MapClaims{"scope": "openid profile", "permissions": []string{"read:messages"}})
	nobody := iss.Token("auth0|bob", aud, jwt.MapClaims{"permissions": []string{"write:messages"}})
	machine := clientCredentials(t, iss, aud)
	tests := []struct {
		name, path, token string
		wantStatus        int
		wantBody          string
	}{
		{"public", "/healthz", "", http.StatusOK, `"ok"`},
		{"protected without a token", "/api/me", "", http.StatusUnauthorized, `"unauthorized"`},
		{"user token", "/api/me", reader, http.StatusOK, `"machine":false`},
		{"machine-to-machine token", "/api/me", machine, http.StatusOK, `"machine":true`},
		{"token for another API", "/api/me", iss.Token("auth0|alice", "https://other.example.com", nil), http.StatusUnauthorized, `"invalid_token"`},
		{"guarded without the permission", "/api/messages", nobody, http.StatusForbidden, `"insufficient_scope"`},
		{"guarded with the permission", "/api/messages", reader, http.StatusOK, `hello, auth0|alice`},
		{"metrics", "/metrics", "", http.StatusOK, `jwtguard_jwt_verifications_total{issuer="` + iss.Issuer() + `",reason="audience",result="failure"} 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := get(t, srv.URL+tt.path, tt.token)
			if status != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
				t.Errorf("GET %s: %d %q, want %d and a body containing %q", tt.path, status, excerpt(body), tt.wantStatus, tt.wantBody)
			}
		})
	}
}

// clientCredentials gets a machine-to-machine token from the issuer's
// token endpoint, as an Auth0 application would.
func clientCredentials(t *testing.T, iss *issuertest.Issuer, audience string) string {
	t.Helper()
	iss.SetClient("m2m-client", "m2m-secret")
	resp, err := iss.Server.Client().PostForm(iss.URL+issuertest.TokenPath, url.Values{
		"grant_type": {"client_credentials"}, "client_id": {"m2m-client"}, "client_secret": {"m2m-secret"}, "audience": {audience},
	})
	if err != nil {
		t.Fatalf("token endpoint: %v", err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("token endpoint: HTTP %d, %v", resp.StatusCode, err)
	}
	return tok.AccessToken
}

// TestRun serves on a real listener and shuts down when the context ends.
func TestRun(t *testing.T) {
	iss, cfg := fakeTenant(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, ln, slog.New(slog.DiscardHandler), iss.Server.Client()) }()
	// The listener is open already: the request waits for Serve.
	token := iss.Token("auth0|alice", cfg.Audiences[0], nil)
	if status, body := get(t, "http://"+ln.Addr().String()+"/api/me", token); status != http.StatusOK {
		t.Errorf("GET /api/me: %d %q, want 200", status, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}

	// Without the test client the tenant's certificate is not trusted: run
	// serves anyway and protected routes answer 503.
	ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	done = make(chan error, 1)
	go func() { done <- run(ctx, cfg, ln, slog.New(slog.DiscardHandler), nil) }()
	if status, body := get(t, "http://"+ln.Addr().String()+"/api/me", token); status != http.StatusServiceUnavailable {
		t.Errorf("GET /api/me with untrusted keys: %d %q, want 503", status, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
}

// excerpt returns body, or only its jwtguard verification lines if it is
// a long exposition.
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
