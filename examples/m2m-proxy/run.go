package main

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"

	"github.com/jwtguard/jwtguard/m2m"
	"github.com/jwtguard/jwtguard/m2m/redisstore"
	"github.com/jwtguard/jwtguard/metrics"
)

// run serves the proxy until ctx is done. ready, if not nil, is called
// with the address it listens on.
func run(ctx context.Context, args []string, getenv func(string) string, logger *slog.Logger, ready func(addr string)) error {
	o, err := parseOptions(args, getenv)
	if err != nil {
		return err
	}
	o.Registry = prometheus.NewRegistry()
	o.Registry.MustRegister(collectors.NewGoCollector())
	m, err := metrics.New(metrics.Config{Registerer: o.Registry})
	if err != nil {
		return err
	}
	o.Hooks = m

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
		Hooks:    o.Hooks,
		Logger:   logger,
	})
	if err != nil {
		return err
	}

	mux := http.NewServeMux()
	mux.Handle("POST /oauth/token", proxy)
	mux.Handle("GET /metrics", promhttp.HandlerFor(o.Registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })

	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	logger.Info("m2m-proxy listening", "addr", ln.Addr().String(), "upstream", o.Upstream, "redis", o.RedisAddr != "")
	if ready != nil {
		ready(ln.Addr().String())
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newStore returns the proxy's cache: in Redis if an address is given
// (tokens sealed under a key derived from the secret), else in memory.
func newStore(o *options) (m2m.Store, func(), error) {
	if o.RedisAddr == "" {
		return m2m.NewMemoryStore(o.MaxEntries), func() {}, nil
	}
	sealKey, err := derive(o.Secret, "jwtguard m2m-proxy redis seal key")
	if err != nil {
		return nil, nil, err
	}
	client := redis.NewClient(&redis.Options{Addr: o.RedisAddr})
	store, err := redisstore.New(redisstore.Config{Client: client, Key: sealKey})
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
