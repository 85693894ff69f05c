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
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/auth0"
	"github.com/jwtguard/jwtguard/examples/internal/exampletest"
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
			if exampletest.WantError(t, err, tt.wantErr) {
				return
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
	base := exampletest.Serve(t, a)

	const aud = "https://api.example.com"
	reader := iss.Token("auth0|alice", aud, jwt.MapClaims{"scope": "openid profile", "permissions": []string{"read:messages"}})
	nobody := iss.Token("auth0|bob", aud, jwt.MapClaims{"permissions": []string{"write:messages"}})
	machine := clientCredentials(t, iss, aud)
	exampletest.CheckRoutes(t, base, []exampletest.Route{
		{Name: "public", Path: "/healthz", Status: http.StatusOK, Body: `"ok"`},
		{Name: "protected without a token", Path: "/api/me", Status: http.StatusUnauthorized, Body: `"unauthorized"`},
		{Name: "user token", Path: "/api/me", Token: reader, Status: http.StatusOK, Body: `"machine":false`},
		{Name: "machine-to-machine token", Path: "/api/me", Token: machine, Status: http.StatusOK, Body: `"machine":true`},
		{Name: "token for another API", Path: "/api/me", Token: iss.Token("auth0|alice", "https://other.example.com", nil), Status: http.StatusUnauthorized, Body: `"invalid_token"`},
		{Name: "guarded without the permission", Path: "/api/messages", Token: nobody, Status: http.StatusForbidden, Body: `"insufficient_scope"`},
		{Name: "guarded with the permission", Path: "/api/messages", Token: reader, Status: http.StatusOK, Body: `hello, auth0|alice`},
		{Name: "metrics", Path: "/metrics", Status: http.StatusOK, Body: `jwtguard_jwt_verifications_total{issuer="` + iss.Issuer() + `",reason="audience",result="failure"} 1`},
	})
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
	token := iss.Token("auth0|alice", cfg.Audiences[0], nil)
	addr, stop := exampletest.StartRun(t, func(ctx context.Context, ln net.Listener) error {
		return run(ctx, cfg, ln, slog.New(slog.DiscardHandler), iss.Server.Client())
	})
	if status, body := exampletest.Get(t, "http://"+addr+"/api/me", token); status != http.StatusOK {
		t.Errorf("GET /api/me: %d %q, want 200", status, body)
	}
	stop()

	// Without the test client the tenant's certificate is not trusted: run
	// serves anyway and protected routes answer 503.
	addr, stop = exampletest.StartRun(t, func(ctx context.Context, ln net.Listener) error {
		return run(ctx, cfg, ln, slog.New(slog.DiscardHandler), nil)
	})
	if status, body := exampletest.Get(t, "http://"+addr+"/api/me", token); status != http.StatusServiceUnavailable {
		t.Errorf("GET /api/me with untrusted keys: %d %q, want 503", status, body)
	}
	stop()
}
