package server_test

import (
	"errors"
	"flag"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/examples/internal/exampletest"
	"github.com/jwtguard/jwtguard/examples/internal/server"
)

// TestParseOIDCConfig checks the flags and environment of the chi and
// gorilla examples.
func TestParseOIDCConfig(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    server.OIDCConfig
		wantErr string
	}{
		{
			name: "flags",
			args: []string{"-issuer", "https://id.example", "-audience", "api://a, api://b", "-scope", "write", "-addr", ":9000"},
			want: server.OIDCConfig{Addr: ":9000", Issuer: "https://id.example", Audiences: []string{"api://a", "api://b"}, Scope: "write"},
		},
		{
			name: "environment",
			env: map[string]string{"OIDC_ISSUER": "https://id.example", "OIDC_AUDIENCE": "api://a",
				"OIDC_JWKS_URL": "https://id.example/keys", "REQUIRED_SCOPE": "ops", "ADDR": ":9001"},
			want: server.OIDCConfig{Addr: ":9001", Issuer: "https://id.example", Audiences: []string{"api://a"},
				JWKSURL: "https://id.example/keys", Scope: "ops"},
		},
		{
			name: "flags win over the environment",
			args: []string{"-issuer", "https://flag.example"},
			env:  map[string]string{"OIDC_ISSUER": "https://env.example", "OIDC_AUDIENCE": "api://a"},
			want: server.OIDCConfig{Addr: "127.0.0.1:8080", Issuer: "https://flag.example", Audiences: []string{"api://a"}, Scope: "admin"},
		},
		{name: "no issuer", args: []string{"-audience", "api://a"}, wantErr: "missing -issuer (or OIDC_ISSUER)"},
		{name: "no audience", args: []string{"-issuer", "https://id.example", "-audience", " , "}, wantErr: "missing -audience (or OIDC_AUDIENCE)"},
		{name: "empty scope", args: []string{"-issuer", "https://id.example", "-audience", "a", "-scope", ""}, wantErr: "-scope"},
		{name: "unknown flag", args: []string{"-issuer-url", "x"}, wantErr: "flag provided but not defined"},
		{name: "stray argument", args: []string{"-issuer", "https://id.example", "-audience", "a", "extra"}, wantErr: "unexpected arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := server.ParseOIDCConfig("chi", tt.args, func(k string) string { return tt.env[k] }, io.Discard)
			if exampletest.WantError(t, err, tt.wantErr) {
				return
			}
			if got.Addr != tt.want.Addr || got.Issuer != tt.want.Issuer || got.JWKSURL != tt.want.JWKSURL ||
				got.Scope != tt.want.Scope || !slices.Equal(got.Audiences, tt.want.Audiences) {
				t.Errorf("ParseOIDCConfig = %+v, want %+v", got, tt.want)
			}
			if got.ListenAddr() != tt.want.Addr {
				t.Errorf("ListenAddr() = %q, want %q", got.ListenAddr(), tt.want.Addr)
			}
		})
	}
	// -h prints the usage of the command named, and its variables.
	var usage strings.Builder
	if _, err := server.ParseOIDCConfig("gorilla", []string{"-h"}, func(string) string { return "" }, &usage); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: error %v, want flag.ErrHelp", err)
	}
	for _, want := range []string{"Usage of gorilla:", "OIDC_ISSUER", "OIDC_AUDIENCE", "OIDC_JWKS_URL", "REQUIRED_SCOPE", "(ADDR)"} {
		if !strings.Contains(usage.String(), want) {
			t.Errorf("-h output has no %q:\n%s", want, usage.String())
		}
	}
}
