package exampletest

import (
	"errors"
	"flag"
	"io"
	"slices"
	"strings"
	"testing"
)

// OIDCConfig is the configuration the OIDC examples (chi, gorilla) read
// from their flags and environment.
type OIDCConfig = struct {
	Addr      string
	Issuer    string
	Audiences []string
	JWKSURL   string
	Scope     string
}

// CheckOIDCParseConfig checks the parseConfig of an OIDC example, named
// command in its usage: flags, the environment (flags win; an empty
// variable counts as unset), defaults, what is refused, and -h.
func CheckOIDCParseConfig[C ~OIDCConfig](t *testing.T, command string, parse func(args []string, getenv func(string) string, usage io.Writer) (C, error)) {
	t.Helper()
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    OIDCConfig
		wantErr string
	}{
		{
			name: "flags",
			args: []string{"-issuer", "https://id.example", "-audience", "api://a, api://b", "-scope", "write", "-addr", ":9000"},
			want: OIDCConfig{Addr: ":9000", Issuer: "https://id.example", Audiences: []string{"api://a", "api://b"}, Scope: "write"},
		},
		{
			name: "environment",
			env: map[string]string{"OIDC_ISSUER": "https://id.example", "OIDC_AUDIENCE": "api://a",
				"OIDC_JWKS_URL": "https://id.example/keys", "REQUIRED_SCOPE": "ops", "ADDR": ":9001"},
			want: OIDCConfig{Addr: ":9001", Issuer: "https://id.example", Audiences: []string{"api://a"},
				JWKSURL: "https://id.example/keys", Scope: "ops"},
		},
		{
			name: "flags win over the environment",
			args: []string{"-issuer", "https://flag.example"},
			env:  map[string]string{"OIDC_ISSUER": "https://env.example", "OIDC_AUDIENCE": "api://a"},
			want: OIDCConfig{Addr: "127.0.0.1:8080", Issuer: "https://flag.example", Audiences: []string{"api://a"}, Scope: "admin"},
		},
		{
			name: "an empty variable counts as unset",
			env:  map[string]string{"OIDC_ISSUER": "https://id.example", "OIDC_AUDIENCE": "api://a", "ADDR": "", "REQUIRED_SCOPE": ""},
			want: OIDCConfig{Addr: "127.0.0.1:8080", Issuer: "https://id.example", Audiences: []string{"api://a"}, Scope: "admin"},
		},
		{
			name: "empty audiences dropped",
			args: []string{"-issuer", "https://id.example", "-audience", ",a,,b ,"},
			want: OIDCConfig{Addr: "127.0.0.1:8080", Issuer: "https://id.example", Audiences: []string{"a", "b"}, Scope: "admin"},
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
			c, err := parse(tt.args, func(k string) string { return tt.env[k] }, io.Discard)
			if WantError(t, err, tt.wantErr) {
				return
			}
			got := OIDCConfig(c)
			if got.Addr != tt.want.Addr || got.Issuer != tt.want.Issuer || got.JWKSURL != tt.want.JWKSURL ||
				got.Scope != tt.want.Scope || !slices.Equal(got.Audiences, tt.want.Audiences) {
				t.Errorf("parseConfig = %+v, want %+v", got, tt.want)
			}
		})
	}
	// -h prints the usage of the command, and its variables.
	var usage strings.Builder
	if _, err := parse([]string{"-h"}, func(string) string { return "" }, &usage); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: error %v, want flag.ErrHelp", err)
	}
	for _, want := range []string{"Usage of " + command + ":", "OIDC_ISSUER", "OIDC_AUDIENCE", "OIDC_JWKS_URL", "REQUIRED_SCOPE", "(ADDR)"} {
		if !strings.Contains(usage.String(), want) {
			t.Errorf("-h output has no %q:\n%s", want, usage.String())
		}
	}
}
