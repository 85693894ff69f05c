package main

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"

	"github.com/jwtguard/jwtguard/m2m"
	"github.com/jwtguard/jwtguard/m2m/redistoken"
	"github.com/jwtguard/jwtguard/metrics"
)

// serve runs the proxy configured by o until ctx is done. ready, if not
// nil, is called with the addresses it listens on: tokens, and metrics (""
// if /metrics is served with the tokens).
func serve(ctx context.Context, o *options, logger *slog.Logger, ready func(addr, metricsAddr string)) error {
	// What /metrics serves: the Go collector and the proxy's metrics.
	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector())
	mm, err := metrics.New(metrics.Config{Registerer: registry})
	if err != nil {
		return err
	}

	store, closeStore, err := newStore(o)
	if err != nil {
		return err
	}
	defer closeStore()
	cacheKey, err := derive(o.Secret, "jwtguard m2m-proxy cache key")
	if err != nil {
		return err
	}
	proxy, err := m2m.NewProxy(m2m.ProxyConfig{
		TokenURL: o.Upstream,
		Secret:   cacheKey,
		Store:    store,
		Timeout:  upstreamTimeout,
		Metrics:  mm,
		Logger:   logger,
	})
	if err != nil {
		return err
	}
	var tlsConfig *tls.Config
	if o.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(o.TLSCert, o.TLSKey)
		if err != nil {
			return fmt.Errorf("loading -tls-cert and -tls-key: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}

	mux := http.NewServeMux()
	mux.Handle("POST /oauth/token", proxy)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	metricsHandler := promhttp.HandlerFor(registry, promhttp.HandlerOpts{})
	servers := []*server{{name: "token", addr: o.Listen, tls: tlsConfig, handler: mux}}
	if o.MetricsListen == "" {
		mux.Handle("GET /metrics", metricsHandler)
	} else {
		mm := http.NewServeMux()
		mm.Handle("GET /metrics", metricsHandler)
		servers = append(servers, &server{name: "metrics", addr: o.MetricsListen, handler: mm})
	}
	for _, s := range servers {
		if err := s.listen(o, logger); err != nil {
			for _, s := range servers {
				s.close()
			}
			return err
		}
	}
	logger.Info("m2m-proxy listening", "addr", servers[0].ln.Addr().String(), "tls", tlsConfig != nil,
		"upstream", o.Upstream, "redis", o.RedisAddr != "")
	if ready != nil {
		metricsAddr := ""
		if len(servers) > 1 {
			metricsAddr = servers[1].ln.Addr().String()
		}
		ready(servers[0].ln.Addr().String(), metricsAddr)
	}
	served := make(chan error, len(servers))
	for _, s := range servers {
		go func() { served <- s.serve() }()
	}
	pending := len(servers)
	var failed error
	select {
	case failed = <-served: // a server stopped by itself
		pending--
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	for _, s := range servers {
		if err := s.srv.Shutdown(shutdown); err != nil && failed == nil {
			failed = fmt.Errorf("shutting down: %w", err)
		}
	}
	for range pending {
		if err := <-served; !errors.Is(err, http.ErrServerClosed) && failed == nil {
			failed = err
		}
	}
	return failed
}

// newStore returns the proxy's cache: in Redis if an address is given
// (tokens sealed under a key derived from the secret), else nil: the
// proxy's own memory.
func newStore(o *options) (m2m.Store, func(), error) {
	if o.RedisAddr == "" {
		return nil, func() {}, nil
	}
	sealKey, err := derive(o.Secret, "jwtguard m2m-proxy redis seal key")
	if err != nil {
		return nil, nil, err
	}
	// ContextTimeoutEnabled lets the store's Timeout bound every Redis
	// call; redistoken.New refuses a client without it.
	client := redis.NewClient(&redis.Options{Addr: o.RedisAddr, ContextTimeoutEnabled: true})
	store, err := redistoken.New(redistoken.Config{Client: client, Key: sealKey})
	if err != nil {
		client.Close()
		return nil, nil, err
	}
	return store, func() { client.Close() }, nil
}

// derive returns a 32-byte key for purpose from the proxy secret, so that
// one secret serves both as HMAC key and as sealing key, independently.
func derive(secret []byte, purpose string) ([]byte, error) {
	return hkdf.Key(sha256.New, secret, nil, purpose, 32)
}
