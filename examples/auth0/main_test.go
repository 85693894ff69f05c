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
	"go.uber.org/goleak"

	"github.com/jwtguard/jwtguard/examples/internal/exampletest"
	"github.com/jwtguard/jwtguard/issuertest"
	"github.com/jwtguard/jwtguard/provider"
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
		{
			name:       "an empty variable counts as unset, empty audiences are dropped",
			env:        map[string]string{"AUTH0_DOMAIN": "example.auth0.com", "AUTH0_AUDIENCE": ",api,, other ,", "ADDR": "", "AUTH0_PERMISSION": ""},
			want:       config{Addr: "127.0.0.1:8080", Domain: "example.auth0.com", Audiences: []string{"api", "other"}, Permission: "read:messages"},
			wantIssuer: "https://example.auth0.com/",
			wantJWKS:   "https://example.auth0.com/.well-known/jwks.json",
		},
		{name: "no domain", args: []string{"-audience", "api"}, wantErr: "missing -domain (or AUTH0_DOMAIN)"},
		{name: "no audience", args: []string{"-domain", "example.auth0.com"}, wantErr: "missing -audience (or AUTH0_AUDIENCE)"},
		{name: "empty permission", args: []string{"-domain", "example.auth0.com", "-audience", "api", "-permission", ""}, wantErr: "-permission"},
		{name: "stray argument", args: []string{"-domain", "example.auth0.com", "x"}, wantErr: `unexpected arguments ["x"]`},
		{name: "unknown flag", args: []string{"-tenant", "example"}, wantErr: "flag provided but not defined"},
		{name: "help", args: []string{"-help"}, wantErr: flag.ErrHelp.Error()},
		// Errors auth0.New finds, reported when the provider is built.
		{name: "plain http domain", args: []string{"-domain", "http://example.auth0.com", "-audience", "api"}, wantErr: "auth0: domain"},
		{name: "domain with a path", args: []string{"-domain", "example.auth0.com/tenant", "-audience", "api"}, wantErr: "auth0: domain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseConfig(tt.args, func(k string) string { return tt.env[k] }, io.Discard)
			if err == nil {
				var p provider.Provider
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
	// -h prints the usage of the command, and its variables.
	var usage strings.Builder
	if _, err := parseConfig([]string{"-h"}, func(string) string { return "" }, &usage); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: error %v, want flag.ErrHelp", err)
	}
	for _, want := range []string{"Usage of auth0:", "AUTH0_DOMAIN", "AUTH0_AUDIENCE", "AUTH0_PERMISSION", "(ADDR)"} {
		if !strings.Contains(usage.String(), want) {
			t.Errorf("-h output has no %q:\n%s", want, usage.String())
		}
	}
}

// fakeTenant starts an issuertest stand-in for an Auth0 tenant on domain
// 127.0.0.1:<port>: iss "https://127.0.0.1:<port>/".
func fakeTenant(t *testing.T) (*issuertest.Issuer, config) {
	t.Helper()
	iss := issuertest.NewAuth0()
	t.Cleanup(iss.Close)
	return iss, config{Domain: iss.Domain(), Audiences: []string{"https://api.example.com"}, Permission: "read:messages"}
}

// TestRouter drives the API, run on a real listener, against a TLS
// issuertest issuer standing in for the tenant, trusted through the HTTP
// client.
func TestRouter(t *testing.T) {
	iss, cfg := fakeTenant(t)
	addr, _ := exampletest.StartRun(t, func(ctx context.Context, ln net.Listener) error {
		return run(ctx, cfg, ln, slog.New(slog.DiscardHandler), iss.Server.Client())
	})

	const aud = "https://api.example.com"
	reader := iss.Token("auth0|alice", aud, jwt.MapClaims{"scope": "openid profile", "permissions": []string{"read:messages"}})
	nobody := iss.Token("auth0|bob", aud, jwt.MapClaims{"permissions": []string{"write:messages"}})
	machine := clientCredentials(t, iss, aud)
	exampletest.CheckRoutes(t, "http://"+addr, []exampletest.Route{
		{Name: "public", Path: "/healthz", Status: http.StatusOK, Body: `{"status":"ok"}`, ContentType: "application/json"},
		{Name: "protected without a token", Path: "/api/me", Status: http.StatusUnauthorized, Body: `"unauthorized"`},
		{Name: "user token", Path: "/api/me", Token: reader, Status: http.StatusOK, Body: `"machine":false`, ContentType: "application/json"},
		{Name: "machine-to-machine token", Path: "/api/me", Token: machine, Status: http.StatusOK, Body: `"machine":true`},
		{Name: "token for another API", Path: "/api/me", Token: iss.Token("auth0|alice", "https://other.example.com", nil), Status: http.StatusUnauthorized, Body: `"invalid_token"`},
		{Name: "guarded without the permission", Path: "/api/messages", Token: nobody, Status: http.StatusForbidden, Body: `"insufficient_scope"`},
		{Name: "guarded with the permission", Path: "/api/messages", Token: reader, Status: http.StatusOK, Body: `hello, auth0|alice`},
		{Name: "metrics", Path: "/metrics", Status: http.StatusOK, Body: `jwtguard_jwt_verifications_total{issuer="` + iss.Issuer() + `",reason="audience",result="failure"} 1`},
		{Name: "Go metrics", Path: "/metrics", Status: http.StatusOK, Body: "\ngo_goroutines "},
		{Name: "process metrics", Path: "/metrics", Status: http.StatusOK, Body: "\nprocess_start_time_seconds "},
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

// TestRun serves on a real listener and shuts down gracefully when the
// context ends; it serves while the keys cannot be fetched, and fails on a
// domain auth0.New refuses.
func TestRun(t *testing.T) {
	iss, cfg := fakeTenant(t)
	token := iss.Token("auth0|alice", cfg.Audiences[0], nil)
	t.Run("serves", func(t *testing.T) {
		var logs exampletest.Logs
		addr, stop := exampletest.StartRun(t, func(ctx context.Context, ln net.Listener) error {
			return run(ctx, cfg, ln, logs.Logger(), iss.Server.Client())
		})
		if status, body := exampletest.Get(t, "http://"+addr+"/api/me", token); status != http.StatusOK {
			t.Errorf("GET /api/me: %d %q, want 200", status, body)
		}
		if status, _ := exampletest.Get(t, "http://"+addr+"/api/me", ""); status != http.StatusUnauthorized {
			t.Errorf("GET /api/me without a token: %d, want 401", status)
		}
		stop()
		exampletest.CheckClosed(t, addr)
		got := logs.String()
		if !strings.Contains(got, "msg=listening addr="+addr+" issuer="+iss.Issuer()) || strings.Contains(got, "keys not loaded") {
			t.Errorf("logs:\n%s\nwant a line listening on %s for %s, and no warning", got, addr, iss.Issuer())
		}
		if !strings.Contains(got, "request rejected") || !strings.Contains(got, "path=/api/me") {
			t.Errorf("logs:\n%s\nwant the middleware's rejection of /api/me", got)
		}
	})
	t.Run("keys unavailable", func(t *testing.T) {
		// Without the test client the tenant's certificate is not trusted:
		// run serves anyway, protected routes answer 503, and it warns.
		var logs exampletest.Logs
		addr, stop := exampletest.StartRun(t, func(ctx context.Context, ln net.Listener) error {
			return run(ctx, cfg, ln, logs.Logger(), nil)
		})
		defer stop()
		if status, body := exampletest.Get(t, "http://"+addr+"/api/me", token); status != http.StatusServiceUnavailable {
			t.Errorf("GET /api/me with untrusted keys: %d %q, want 503", status, body)
		}
		if got := logs.String(); !strings.Contains(got, `level=WARN msg="keys not loaded yet`) || !strings.Contains(got, "certificate") {
			t.Errorf("logs:\n%s\nwant a warning that the keys are not loaded, for the certificate", got)
		}
	})
	t.Run("bad domain", func(t *testing.T) {
		// A configuration auth0.New refuses fails run and closes the listener.
		ln := exampletest.Listen(t)
		bad := cfg
		bad.Domain = "http://" + cfg.Domain
		err := run(context.Background(), bad, ln, slog.New(slog.DiscardHandler), iss.Server.Client())
		if err == nil || !strings.HasPrefix(err.Error(), "auth0: ") {
			t.Errorf("run with a plain http domain = %v, want an auth0 error", err)
		}
		exampletest.CheckClosed(t, ln.Addr().String())
	})
	t.Run("shuts down gracefully", func(t *testing.T) {
		exampletest.CheckGracefulShutdown(t, "/api/me", func(ctx context.Context, ln net.Listener, logger *slog.Logger) error {
			return run(ctx, cfg, ln, logger, iss.Server.Client())
		})
	})
}

// TestMain fails the package if a test leaves a goroutine behind: the
// program's Verifier (and everything else it starts) must stop on Close.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
