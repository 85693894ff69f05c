package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/cache/redisstore"
	"github.com/jwtguard/jwtguard/cognito"
	"github.com/jwtguard/jwtguard/m2m"
	"github.com/jwtguard/jwtguard/m2m/redistoken"
	"github.com/jwtguard/jwtguard/metrics"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/provider"
)

// config is what the service is told, by the environment (see main.go).
type config struct {
	Addr string

	// The Cognito pool whose access tokens the API accepts.
	Region, UserPoolID, ClientID string
	Endpoint                     string // a stand-in's base URL; empty for AWS

	// Redis, shared by the replicas: the pool's keys, and the billing token.
	RedisAddr  string
	JWKSSecret []byte // authenticates the shared key sets, 32+ bytes
	TokenKey   []byte // seals the shared billing token, 32 bytes

	// The billing API, called with a client-credentials token.
	BillingURL                     string
	TokenURL, M2MClient, M2MSecret string
	BillingAudience                string
}

// configFromEnv reads the configuration from getenv.
func configFromEnv(getenv func(string) string) (config, error) {
	c := config{
		Addr:            or(getenv("ADDR"), "127.0.0.1:8080"),
		Region:          getenv("COGNITO_REGION"),
		UserPoolID:      getenv("COGNITO_USER_POOL_ID"),
		ClientID:        getenv("COGNITO_CLIENT_ID"),
		Endpoint:        getenv("COGNITO_ENDPOINT"),
		RedisAddr:       or(getenv("REDIS_ADDR"), "127.0.0.1:6379"),
		BillingURL:      getenv("BILLING_URL"),
		TokenURL:        getenv("M2M_TOKEN_URL"),
		M2MClient:       getenv("M2M_CLIENT_ID"),
		M2MSecret:       getenv("M2M_CLIENT_SECRET"),
		BillingAudience: getenv("M2M_AUDIENCE"),
	}
	var err1, err2 error
	c.JWKSSecret, err1 = hex.DecodeString(getenv("JWKS_SECRET"))
	c.TokenKey, err2 = hex.DecodeString(getenv("M2M_TOKEN_KEY"))
	if err := errors.Join(err1, err2); err != nil {
		return c, fmt.Errorf("JWKS_SECRET and M2M_TOKEN_KEY must be hex (openssl rand -hex 32): %w", err)
	}
	return c, nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// service is the API and what it holds.
type service struct {
	handler http.Handler
	closers []func() error // in the order to call them
}

// newService builds the service for cfg: the key cache shared through
// Redis, the Verifier with its metrics, the middleware, the billing
// client with its shared m2m token, and the routes. It fetches the pool's
// keys before returning (a readiness check). Close it when done.
func newService(ctx context.Context, cfg config, logger *slog.Logger) (_ *service, err error) {
	s := &service{}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m, err := metrics.New(metrics.Config{Registerer: reg})
	if err != nil {
		return nil, err
	}

	rdb := redis.NewClient(&redis.Options{Addr: cfg.RedisAddr, ContextTimeoutEnabled: true})
	s.closers = append(s.closers, rdb.Close)
	keys, err := redisstore.New(redisstore.Config{Client: rdb, Secret: cfg.JWKSSecret})
	if err != nil {
		return nil, err
	}
	s.closers = append([]func() error{keys.Close}, s.closers...)

	pool, err := cognito.New(cognito.Config{
		Region: cfg.Region, UserPoolID: cfg.UserPoolID, Endpoint: cfg.Endpoint,
		ClientIDs: []string{cfg.ClientID},
		TokenUse:  cognito.AccessToken,
	})
	if err != nil {
		return nil, err
	}
	v, err := provider.NewVerifier(provider.VerifierConfig{
		Providers: []provider.Provider{pool},
		Metrics:   m,                                         // verifications, refreshes, token-cache hits
		Cache:     cache.Config{Store: keys, Logger: logger}, // one fetch for the fleet
	})
	if err != nil {
		return nil, err
	}
	s.closers = append([]func() error{v.Close}, s.closers...)
	if err := v.Load(ctx); err != nil {
		return nil, err
	}
	mw, err := middleware.New(middleware.Config{Verifier: v, Realm: "orders", Logger: logger})
	if err != nil {
		return nil, err
	}

	tokens, err := redistoken.New(redistoken.Config{Client: rdb, Key: cfg.TokenKey})
	if err != nil {
		return nil, err
	}
	ts, err := m2m.New(m2m.Config{
		TokenURL: cfg.TokenURL, ClientID: cfg.M2MClient, ClientSecret: cfg.M2MSecret,
		Audience: cfg.BillingAudience,
		Store:    tokens, // one token per lifetime for the fleet
		Name:     "billing",
		Metrics:  m,
		Logger:   logger,
		// Plain http is refused off loopback; the stand-ins are on it.
	})
	if err != nil {
		return nil, err
	}
	s.closers = append([]func() error{ts.Close}, s.closers...)
	billing := &http.Client{Transport: ts.Transport(nil), Timeout: 10 * time.Second}

	r := chi.NewRouter()
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	r.Method(http.MethodGet, "/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{})) // keep it internal
	r.Route("/api", func(r chi.Router) {
		r.Use(mw.Handler)
		r.With(mw.RequireScopes("orders/read")).Get("/orders", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, map[string]any{"customer": middleware.FromContext(r.Context()).Subject(), "orders": []string{}})
		})
		r.With(mw.RequireScopes("orders/write")).Post("/orders", func(w http.ResponseWriter, r *http.Request) {
			customer := middleware.FromContext(r.Context()).Subject()
			status, err := charge(r.Context(), billing, cfg.BillingURL, customer)
			if err != nil {
				logger.Warn("billing failed", "error", err)
				writeJSON(w, http.StatusBadGateway, map[string]string{"error": "billing unavailable"})
				return
			}
			writeJSON(w, http.StatusCreated, map[string]any{"customer": customer, "billing": status})
		})
	})
	s.handler = r
	return s, nil
}

// charge asks the billing API to charge customer, with the m2m token.
func charge(ctx context.Context, client *http.Client, billingURL, customer string) (int, error) {
	body, _ := json.Marshal(map[string]string{"customer": customer})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(billingURL, "/")+"/charges", strings.NewReader(string(body)))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode >= 300 {
		return resp.StatusCode, fmt.Errorf("billing answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Close stops the token source, the key caches, the stores and the Redis
// client, in that order.
func (s *service) Close() error {
	var errs []error
	for _, c := range s.closers {
		errs = append(errs, c())
	}
	return errors.Join(errs...)
}
