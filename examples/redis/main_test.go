package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
)

func TestParseAddr(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     string
		want    string
		wantErr string
	}{
		{"default", nil, "", "127.0.0.1:6379", ""},
		{"environment", nil, "redis.internal:6380", "redis.internal:6380", ""},
		{"flag wins", []string{"-redis", "10.0.0.5:6379"}, "redis.internal:6380", "10.0.0.5:6379", ""},
		{"empty", []string{"-redis", ""}, "", "", "must not be empty"},
		{"stray argument", []string{"x"}, "", "", `unexpected arguments ["x"]`},
		{"unknown flag", []string{"-addr", "x"}, "", "", "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseAddr(tt.args, func(string) string { return tt.env }, io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseAddr error = %v; want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("parseAddr = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	if _, err := parseAddr([]string{"-h"}, func(string) string { return "" }, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v; want flag.ErrHelp", err)
	}
}

func TestRun(t *testing.T) {
	mr := miniredis.RunT(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out strings.Builder
	if err := run(ctx, mr.Addr(), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	// In this order.
	want := []string{
		"replica A: keys loaded, fetched from the identity provider",
		"replica B: keys loaded, shared by another replica through Redis",
		"identity provider fetches: 1\n",
		"replica A: verified the token of alice",
		"replica B: verified the token of alice",
		"identity provider rotates to a new key",
		"replica A: verified the token of bob",
		"replica B: new keys loaded from Redis on replica A's notice",
		"replica B: verified the token of bob",
		"identity provider fetches: 2 ",
	}
	rest := out.String()
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("output lacks %q (in order):\n%s", w, out.String())
		}
		rest = rest[i+len(w):]
	}
	if strings.Contains(out.String(), "Redis failed") {
		t.Errorf("Redis failures reported:\n%s", out.String())
	}
}

func TestRunWithoutRedis(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	var out strings.Builder
	err = run(context.Background(), addr, &out)
	if !errors.Is(err, errUnreachable) || !strings.Contains(err.Error(), addr) {
		t.Fatalf("run = %v; want a clear message that Redis at %s cannot be reached", err, addr)
	}
	if out.Len() != 0 {
		t.Errorf("printed %q before failing", out.String())
	}
}
