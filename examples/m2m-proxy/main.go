// Command m2m-proxy is a caching client-credentials token endpoint: point
// vendors and services at it instead of at your provider's token endpoint
// (Auth0, Cognito, any OAuth 2.0 server) and each of them spends one token
// per lifetime, however often it asks.
//
//	M2M_PROXY_SECRET=$(openssl rand -hex 32) m2m-proxy -upstream https://example.eu.auth0.com/oauth/token
//
// Callers POST standard client-credentials requests (form or JSON, client
// credentials in the body or HTTP Basic) to /oauth/token. Every flag can
// also be set through the environment variable named after it:
//
//	-upstream       M2M_UPSTREAM        upstream token URL (required)
//	-listen         M2M_LISTEN          listen address (default 127.0.0.1:8080)
//	-secret         M2M_PROXY_SECRET    at least 32 bytes; keys the cache and,
//	                                    with Redis, seals the tokens there
//	                                    (required; prefer the environment:
//	                                    flags show in ps)
//	-tls-cert       M2M_TLS_CERT        TLS certificate and private key (PEM
//	-tls-key        M2M_TLS_KEY         files): serve HTTPS
//	-insecure-http  M2M_INSECURE_HTTP   serve plain HTTP on a non-loopback
//	                                    address (only behind a proxy that
//	                                    terminates TLS)
//	-metrics-listen M2M_METRICS_LISTEN  serve /metrics on this address
//	                                    instead (plain HTTP)
//	-redis          REDIS_ADDR          Redis address, to share the cache
//	                                    between replicas (optional; without
//	                                    it, up to 10 000 tokens are cached
//	                                    in memory)
//
// -h prints this list. The command exits with status 2 when the flags or
// the environment are wrong, 1 when serving fails.
//
// Callers send their client secrets, and get tokens back: off loopback the
// proxy refuses to start without TLS (-tls-cert and -tls-key) unless
// -insecure-http says that something in front of it terminates TLS.
// Reading a request, body included, is cut off after 10 seconds, an answer
// after 40 (the upstream request may take 30), an idle connection after 2
// minutes.
//
// GET /metrics serves Prometheus metrics — requests by result
// (jwtguard_m2m_proxy_requests_total: hit, miss, upstream_error,
// rejected), tokens minted upstream (jwtguard_m2m_token_requests_total,
// result="minted": quota used) and served from the cache
// (jwtguard_m2m_tokens_served_total: quota saved), source="proxy" — and
// GET /healthz answers 200. /metrics is for your monitoring, not for the
// callers: do not expose it where they reach the proxy; give
// -metrics-listen an address only your monitoring reaches (e.g. loopback
// or an internal interface) to serve it apart.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	o, err := parseOptions(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "m2m-proxy:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := serve(ctx, o, logger, nil); err != nil {
		fmt.Fprintln(os.Stderr, "m2m-proxy:", err)
		os.Exit(1)
	}
}
