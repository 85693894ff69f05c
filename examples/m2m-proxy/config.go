package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jwtguard/jwtguard/m2m"
)

// options are the proxy's settings.
type options struct {
	Upstream   string
	Listen     string
	Secret     []byte
	RedisAddr  string
	MaxEntries int

	// Registry is what /metrics serves: the Go collector and jwtguard's
	// metrics.
	Registry *prometheus.Registry
	// Hooks receives the proxy's events (requests by result, tokens
	// minted upstream, tokens served from the cache): the m2m side of the
	// metrics collector registered on Registry.
	Hooks m2m.Hooks
}

// parseOptions reads flags, each defaulting to its environment variable.
func parseOptions(args []string, getenv func(string) string) (*options, error) {
	fs := flag.NewFlagSet("m2m-proxy", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o := &options{}
	var secret string
	fs.StringVar(&o.Upstream, "upstream", getenv("M2M_UPSTREAM"), "upstream token URL (M2M_UPSTREAM)")
	fs.StringVar(&o.Listen, "listen", or(getenv("M2M_LISTEN"), "127.0.0.1:8080"), "listen address (M2M_LISTEN)")
	fs.StringVar(&secret, "secret", getenv("M2M_PROXY_SECRET"), "proxy secret, at least 32 bytes (M2M_PROXY_SECRET)")
	fs.StringVar(&o.RedisAddr, "redis", getenv("REDIS_ADDR"), "Redis address to share the cache (REDIS_ADDR)")
	maxEntries := or(getenv("M2M_MAX_ENTRIES"), strconv.Itoa(m2m.DefaultMaxEntries))
	fs.Func("max-entries", "tokens cached in memory (M2M_MAX_ENTRIES)", func(s string) error { maxEntries = s; return nil })
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	n, err := strconv.Atoi(maxEntries)
	if err != nil || n <= 0 {
		return nil, fmt.Errorf("-max-entries %q: want a positive number", maxEntries)
	}
	o.MaxEntries = n
	switch {
	case o.Upstream == "":
		return nil, errors.New("-upstream (M2M_UPSTREAM) is required")
	case len(secret) < m2m.MinProxySecretBytes:
		return nil, fmt.Errorf("-secret (M2M_PROXY_SECRET) must be at least %d bytes", m2m.MinProxySecretBytes)
	}
	o.Secret = []byte(secret)
	return o, nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
