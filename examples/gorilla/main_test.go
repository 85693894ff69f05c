package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/examples/internal/exampletest"
	"go.uber.org/goleak"
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
		{
			name: "an empty variable counts as unset",
			env:  map[string]string{"OIDC_ISSUER": "https://id.example", "OIDC_AUDIENCE": "api://a", "ADDR": "", "REQUIRED_SCOPE": ""},
			want: config{Addr: "127.0.0.1:8080", Issuer: "https://id.example", Audiences: []string{"api://a"}, Scope: "admin"},
		},
		{
			name: "empty audiences dropped",
			args: []string{"-issuer", "https://id.example", "-audience", ",a,,b ,"},
			want: config{Addr: "127.0.0.1:8080", Issuer: "https://id.example", Audiences: []string{"a", "b"}, Scope: "admin"},
		},
		{name: "no issuer", args: []string{"-audience", "api://a"}, wantErr: "missing -issuer (or OIDC_ISSUER)"},
		{name: "no audience", args: []string{"-issuer", "https://id.example", "-audience", " , "}, wantErr: "missing -audience (or OIDC_AUDIENCE)"},
		{name: "empty scope", args: []string{"-issuer", "https://id.example", "-audience", "a", "-scope", ""}, wantErr: "-scope"},
		{name: "unknown flag", args: []string{"-issuer-url", "x"}, wantErr: "flag provided but not defined"},
		{name: "stray argument", args: []string{"-issuer", "https://id.example", "-audience", "a", "extra"}, wantErr: `unexpected arguments ["extra"]`},
		{name: "help", args: []string{"-help"}, wantErr: flag.ErrHelp.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseConfig(tt.args, func(k string) string { return tt.env[k] }, io.Discard)
			if exampletest.WantError(t, err, tt.wantErr) {
				return
			}
			if got.Addr != tt.want.Addr || got.Issuer != tt.want.Issuer || got.JWKSURL != tt.want.JWKSURL ||
				got.Scope != tt.want.Scope || !slices.Equal(got.Audiences, tt.want.Audiences) {
				t.Errorf("parseConfig = %+v, want %+v", got, tt.want)
			}
		})
	}
	// -h prints the usage of the command, and its variables.
	var usage strings.Builder
	if _, err := parseConfig([]string{"-h"}, func(string) string { return "" }, &usage); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: error %v, want flag.ErrHelp", err)
	}
	for _, want := range []string{"Usage of gorilla:", "OIDC_ISSUER", "OIDC_AUDIENCE", "OIDC_JWKS_URL", "REQUIRED_SCOPE", "(ADDR)"} {
		if !strings.Contains(usage.String(), want) {
			t.Errorf("-h output has no %q:\n%s", want, usage.String())
		}
	}
}

// runFor runs the example for issuer, as exampletest's OIDC checks want:
// audience "api", scope "admin", the JWKS URL discovered.
func runFor(ctx context.Context, ln net.Listener, issuer string, logger *slog.Logger) error {
	return run(ctx, config{Issuer: issuer, Audiences: []string{"api"}, Scope: "admin"}, ln, logger)
}

// TestRouter drives the gorilla/mux router against an issuertest issuer
// found by discovery: the routes every OIDC example answers alike (see
// exampletest.CheckOIDCRouter), and gorilla's own behaviour.
func TestRouter(t *testing.T) {
	exampletest.CheckOIDCRouter(t, runFor,
		// gorilla/mux runs subrouter middleware only on a match.
		exampletest.Route{Name: "unknown path under /api", Path: "/api/nope", Status: http.StatusNotFound, Body: "404 page not found"},
	)
}

// TestRun serves on a real listener and shuts down gracefully when the
// context ends; it serves while the keys cannot be fetched, and fails
// when discovery does.
func TestRun(t *testing.T) {
	exampletest.CheckOIDCRun(t, runFor)
}

// TestMain fails the package if a test leaves a goroutine behind: the
// program's Verifier (and everything else it starts) must stop on Close.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
