package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// upstreamTimeout is the proxy's ProxyConfig.Timeout: how long a handler
// waits for upstream.
const upstreamTimeout = 30 * time.Second

// Timeouts of the token listener. A handler waits for upstream up to
// upstreamTimeout, so the answer gets that and some more.
const (
	defaultReadTimeout  = 10 * time.Second
	defaultWriteTimeout = upstreamTimeout + 10*time.Second
	defaultIdleTimeout  = 2 * time.Minute
)

// minSecretBytes is the least length of -secret.
const minSecretBytes = 32

// options are the proxy's settings.
type options struct {
	Upstream      string
	Listen        string
	Secret        []byte
	RedisAddr     string
	TLSCert       string
	TLSKey        string
	InsecureHTTP  bool
	MetricsListen string

	// ReadTimeout bounds reading a request, body included, so that a slow
	// client cannot hold a handler; WriteTimeout bounds the rest of the
	// exchange, IdleTimeout a kept-alive connection between requests.
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
}

// parseOptions reads flags from args, each defaulting to its environment
// variable read through getenv; usage receives the help text (-h, with
// flag.ErrHelp returned) and flag errors.
func parseOptions(args []string, getenv func(string) string, usage io.Writer) (*options, error) {
	fs := flag.NewFlagSet("m2m-proxy", flag.ContinueOnError)
	fs.SetOutput(usage)
	o := &options{ReadTimeout: defaultReadTimeout, WriteTimeout: defaultWriteTimeout, IdleTimeout: defaultIdleTimeout}
	fs.StringVar(&o.Upstream, "upstream", getenv("M2M_UPSTREAM"), "upstream token `URL`, required (M2M_UPSTREAM)")
	fs.StringVar(&o.Listen, "listen", cmp.Or(getenv("M2M_LISTEN"), "127.0.0.1:8080"), "listen `address` (M2M_LISTEN)")
	// A func flag, so that -h does not print the secret as its default.
	secret := getenv("M2M_PROXY_SECRET")
	fs.Func("secret", "proxy `secret`, at least 32 bytes, required; prefer the environment (M2M_PROXY_SECRET)",
		func(s string) error { secret = s; return nil })
	fs.StringVar(&o.RedisAddr, "redis", getenv("REDIS_ADDR"), "Redis `address` to share the cache between replicas (REDIS_ADDR)")
	fs.StringVar(&o.TLSCert, "tls-cert", getenv("M2M_TLS_CERT"), "TLS certificate `file`, PEM (M2M_TLS_CERT)")
	fs.StringVar(&o.TLSKey, "tls-key", getenv("M2M_TLS_KEY"), "TLS private key `file`, PEM (M2M_TLS_KEY)")
	insecure, err := envBool(getenv, "M2M_INSECURE_HTTP")
	if err != nil {
		return nil, err
	}
	fs.BoolVar(&o.InsecureHTTP, "insecure-http", insecure, "serve plain HTTP on a non-loopback address, behind a TLS-terminating proxy (M2M_INSECURE_HTTP)")
	fs.StringVar(&o.MetricsListen, "metrics-listen", getenv("M2M_METRICS_LISTEN"), "serve /metrics on this `address` instead (M2M_METRICS_LISTEN)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	switch {
	case o.Upstream == "":
		return nil, errors.New("-upstream (M2M_UPSTREAM) is required")
	case len(secret) < minSecretBytes:
		return nil, fmt.Errorf("-secret (M2M_PROXY_SECRET) must be at least %d bytes", minSecretBytes)
	case (o.TLSCert == "") != (o.TLSKey == ""):
		return nil, errors.New("-tls-cert (M2M_TLS_CERT) and -tls-key (M2M_TLS_KEY) go together")
	case o.TLSCert == "" && !o.InsecureHTTP && !loopback(o.Listen):
		return nil, fmt.Errorf("-listen %q is not a loopback address: client secrets would cross the network in clear; "+
			"give -tls-cert and -tls-key, or -insecure-http behind a TLS-terminating proxy", o.Listen)
	}
	o.Secret = []byte(secret)
	return o, nil
}

// loopback reports whether addr (host:port) listens on loopback only.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// envBool reads a boolean environment variable; unset is false.
func envBool(getenv func(string) string, name string) (bool, error) {
	v := getenv(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s=%q: want true or false", name, v)
	}
	return b, nil
}
