package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"go.uber.org/goleak"

	"github.com/jwtguard/jwtguard/issuertest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const secret = "a proxy secret of at least 32 bytes"

// run reads args and the environment through getenv, as main does, and
// serves the proxy until ctx is done.
func run(ctx context.Context, args []string, getenv func(string) string, logger *slog.Logger, ready func(addr, metricsAddr string)) error {
	o, err := parseOptions(args, getenv, io.Discard)
	if err != nil {
		return err
	}
	return serve(ctx, o, logger, ready)
}

// start runs the proxy with args and env until the test ends, and returns
// its base URL.
func start(t *testing.T, args []string, env map[string]string) string {
	t.Helper()
	base, _ := startWith(t, func(ctx context.Context, ready func(addr, metricsAddr string)) error {
		return run(ctx, args, func(k string) string { return env[k] }, slog.New(slog.DiscardHandler), ready)
	})
	return base
}

// startWith runs the proxy with run until the test ends, and returns the
// base URLs of its token and metrics listeners ("" if there is none).
func startWith(t *testing.T, run func(ctx context.Context, ready func(addr, metricsAddr string)) error) (string, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan [2]string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, func(addr, metricsAddr string) { ready <- [2]string{addr, metricsAddr} })
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	select {
	case addrs := <-ready:
		metrics := ""
		if addrs[1] != "" {
			metrics = "http://" + addrs[1]
		}
		return "http://" + addrs[0], metrics
	case err := <-done:
		done <- err // for the cleanup, which waits for run to end
		t.Fatalf("run: %v", err)
		return "", ""
	}
}

func newIssuer(t *testing.T) *issuertest.Issuer {
	iss := issuertest.New()
	t.Cleanup(iss.Close)
	iss.SetClient("vendor", "vendor-secret")
	return iss
}

func token(t *testing.T, base string) (string, int) {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "audience": {"https://api.example.test"}}
	req, _ := http.NewRequest(http.MethodPost, base+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("vendor", "vendor-secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("token: %d, %v", resp.StatusCode, err)
	}
	return a.AccessToken, a.ExpiresIn
}

// expectSeries fails the test unless the exposition body has every one
// of lines, exactly.
func expectSeries(t *testing.T, what, body string, lines ...string) {
	t.Helper()
	have := strings.Split(body, "\n")
	for _, l := range lines {
		if !slices.Contains(have, l) {
			t.Errorf("%s lacks %s", what, l)
		}
	}
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The proxy started from flags answers token requests from its cache and
// serves /metrics and /healthz.
func TestProxy(t *testing.T) {
	iss := newIssuer(t)
	base := start(t, []string{"-upstream", iss.URL + issuertest.TokenPath, "-listen", "127.0.0.1:0"},
		map[string]string{"M2M_PROXY_SECRET": secret})
	first, _ := token(t, base)
	second, _ := token(t, base)
	if first != second || iss.Mints() != 1 {
		t.Fatalf("%d mints; tokens equal: %v; want one token served twice", iss.Mints(), first == second)
	}
	code, body := get(t, base+"/metrics")
	if code != http.StatusOK || !strings.Contains(body, "go_goroutines") {
		t.Fatalf("/metrics: %d, Go collector missing", code)
	}
	// One miss minted upstream (quota used), one hit from the cache
	// (quota saved).
	expectSeries(t, "/metrics", body,
		`jwtguard_m2m_proxy_requests_total{result="hit",source="proxy"} 1`,
		`jwtguard_m2m_proxy_requests_total{result="miss",source="proxy"} 1`,
		`jwtguard_m2m_token_requests_total{result="minted",source="proxy",trigger="proxy"} 1`,
		`jwtguard_m2m_tokens_served_total{source="proxy"} 1`,
	)
	if code, _ := get(t, base+"/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz: %d", code)
	}
	if code, _ := get(t, base+"/oauth/token"); code != http.StatusMethodNotAllowed {
		t.Fatalf("GET /oauth/token: %d, want 405", code)
	}
}

// Two replicas configured through the environment with one Redis share
// their cache.
func TestReplicasShareRedis(t *testing.T) {
	mr := miniredis.RunT(t)
	iss := newIssuer(t)
	env := map[string]string{
		"M2M_UPSTREAM":     iss.URL + issuertest.TokenPath,
		"M2M_LISTEN":       "127.0.0.1:0",
		"M2M_PROXY_SECRET": secret,
		"REDIS_ADDR":       mr.Addr(),
	}
	a, b := start(t, nil, env), start(t, nil, env)
	first, _ := token(t, a)
	second, _ := token(t, b)
	if first != second || iss.Mints() != 1 {
		t.Fatalf("%d mints; replicas answered the same token: %v", iss.Mints(), first == second)
	}
	// a minted the token; b read it from Redis: a hit, no mint.
	_, metricsA := get(t, a+"/metrics")
	expectSeries(t, "a's /metrics", metricsA,
		`jwtguard_m2m_proxy_requests_total{result="miss",source="proxy"} 1`,
		`jwtguard_m2m_token_requests_total{result="minted",source="proxy",trigger="proxy"} 1`,
	)
	_, metricsB := get(t, b+"/metrics")
	expectSeries(t, "b's /metrics", metricsB,
		`jwtguard_m2m_proxy_requests_total{result="hit",source="proxy"} 1`,
		`jwtguard_m2m_tokens_served_total{source="proxy"} 1`,
	)
	if strings.Contains(metricsB, "jwtguard_m2m_token_requests_total{") {
		t.Errorf("b's /metrics counts a token request of its own:\n%s", metricsB)
	}
	for _, k := range mr.Keys() {
		v, _ := mr.Get(k)
		if strings.Contains(v, first) || strings.Contains(k, "vendor") {
			t.Fatalf("Redis holds %q in clear", k)
		}
	}
}

func TestBadOptions(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"no upstream", nil, map[string]string{"M2M_PROXY_SECRET": secret}, "-upstream"},
		{"no secret", []string{"-upstream", "https://example.com/token"}, nil, "-secret"},
		{"short secret", []string{"-upstream", "https://example.com/token", "-secret", "short"}, nil, "at least 32 bytes"},
		{"plain http upstream", []string{"-upstream", "http://example.com/token"}, map[string]string{"M2M_PROXY_SECRET": secret}, "plain http"},
		{"unknown flag", []string{"-nope"}, nil, "nope"},
		{"stray argument", []string{"-upstream", "https://example.com/token", "extra"}, map[string]string{"M2M_PROXY_SECRET": secret}, "unexpected arguments"},
		{"plain HTTP on every interface", []string{"-upstream", "https://example.com/token", "-listen", ":8080"}, map[string]string{"M2M_PROXY_SECRET": secret}, "-insecure-http"},
		{"plain HTTP on a public address", []string{"-upstream", "https://example.com/token", "-listen", "192.0.2.10:8080"}, map[string]string{"M2M_PROXY_SECRET": secret}, "not a loopback address"},
		{"plain HTTP on a host name", nil, map[string]string{"M2M_UPSTREAM": "https://example.com/token", "M2M_PROXY_SECRET": secret, "M2M_LISTEN": "proxy.example.com:8080"}, "not a loopback address"},
		{"certificate without key", []string{"-upstream", "https://example.com/token", "-tls-cert", "cert.pem"}, map[string]string{"M2M_PROXY_SECRET": secret}, "go together"},
		{"key without certificate", nil, map[string]string{"M2M_UPSTREAM": "https://example.com/token", "M2M_PROXY_SECRET": secret, "M2M_TLS_KEY": "key.pem"}, "go together"},
		{"missing certificate file", []string{"-upstream", "https://example.com/token", "-tls-cert", "/nonexistent/cert.pem", "-tls-key", "/nonexistent/key.pem"}, map[string]string{"M2M_PROXY_SECRET": secret}, "-tls-cert"},
		{"bad M2M_INSECURE_HTTP", []string{"-upstream", "https://example.com/token"}, map[string]string{"M2M_PROXY_SECRET": secret, "M2M_INSECURE_HTTP": "maybe"}, "M2M_INSECURE_HTTP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := run(ctx, tt.args, func(k string) string { return tt.env[k] }, slog.New(slog.DiscardHandler), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("run: %v, want an error about %q", err, tt.want)
			}
		})
	}
}

// -h prints the flags, with their environment variables, and exits with
// status 0.
func TestHelp(t *testing.T) {
	if os.Getenv("M2M_PROXY_TEST_HELP") == "1" { // the child: main itself
		os.Args = []string{"m2m-proxy", "-h"}
		main()
		return
	}
	var usage strings.Builder
	env := map[string]string{"M2M_PROXY_SECRET": secret}
	if _, err := parseOptions([]string{"-h"}, func(k string) string { return env[k] }, &usage); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("parseOptions -h: %v, want flag.ErrHelp", err)
	}
	if strings.Contains(usage.String(), secret) {
		t.Fatalf("usage shows the secret of the environment:\n%s", usage.String())
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelp$")
	cmd.Env = append(os.Environ(), "M2M_PROXY_TEST_HELP=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("m2m-proxy -h: %v, want exit status 0; stderr:\n%s", err, stderr.String())
	}
	for _, out := range []string{usage.String(), stderr.String()} {
		for _, want := range []string{"-upstream", "M2M_UPSTREAM", "-secret", "M2M_PROXY_SECRET", "-redis", "-metrics-listen"} {
			if !strings.Contains(out, want) {
				t.Fatalf("usage lacks %s:\n%s", want, out)
			}
		}
	}
}
