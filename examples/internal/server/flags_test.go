package server_test

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"testing"

	"github.com/jwtguard/jwtguard/examples/internal/exampletest"
	"github.com/jwtguard/jwtguard/examples/internal/server"
)

func TestEnv(t *testing.T) {
	env := map[string]string{"SET": "v", "OTHER": "w", "EMPTY": ""}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		name string
		def  string
		keys []string
		want string
	}{
		{"set", "d", []string{"SET"}, "v"},
		{"unset", "d", []string{"UNSET"}, "d"},
		{"empty counts as unset", "d", []string{"EMPTY"}, "d"},
		{"the first set key wins", "d", []string{"UNSET", "OTHER", "SET"}, "w"},
		{"no keys", "d", nil, "d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := server.Env(getenv, tt.def, tt.keys...); got != tt.want {
				t.Errorf("Env(%q, %q) = %q, want %q", tt.def, tt.keys, got, tt.want)
			}
		})
	}
}

func TestSplitList(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{" , ,", nil},
		{"a", []string{"a"}},
		{"api://a, api://b", []string{"api://a", "api://b"}},
		{",a,,b ,", []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := server.SplitList(tt.in); !slices.Equal(got, tt.want) || (got == nil) != (tt.want == nil) {
				t.Errorf("SplitList(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    string
		wantErr string
	}{
		{name: "flags", args: []string{"-name", "x"}, want: "x"},
		{name: "none", want: "default"},
		{name: "stray argument", args: []string{"-name", "x", "extra"}, wantErr: `unexpected arguments ["extra"]`},
		{name: "unknown flag", args: []string{"-nome", "x"}, wantErr: "flag provided but not defined"},
		{name: "help", args: []string{"-h"}, wantErr: flag.ErrHelp.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			name := fs.String("name", "default", "")
			if exampletest.WantError(t, server.ParseFlags(fs, tt.args), tt.wantErr) {
				return
			}
			if *name != tt.want {
				t.Errorf("-name %q, want %q", *name, tt.want)
			}
		})
	}
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := server.ParseFlags(fs, []string{"-help"}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-help: error %v, want flag.ErrHelp", err)
	}
}

func ExampleEnv() {
	env := map[string]string{"AWS_REGION": "eu-west-1"}
	getenv := func(k string) string { return env[k] }
	fmt.Println(server.Env(getenv, "", "COGNITO_REGION", "AWS_REGION"))
	fmt.Println(server.Env(getenv, "127.0.0.1:8080", "ADDR"))
	// Output:
	// eu-west-1
	// 127.0.0.1:8080
}

func ExampleSplitList() {
	fmt.Printf("%q\n", server.SplitList("api://orders, api://admin,,"))
	// Output: ["api://orders" "api://admin"]
}
