// Command service is the production shape of a jwtguard service: a chi
// API that accepts the access tokens of an Amazon Cognito user pool,
// checks scopes per route, shares the pool's keys between its replicas
// through Redis, serves /metrics, and calls another API (billing) with a
// client-credentials token that the replicas share through Redis too.
//
//	GET  /healthz       public
//	GET  /metrics       jwtguard, m2m, Go and process metrics (keep it internal)
//	GET  /api/orders    a token with scope orders/read
//	POST /api/orders    a token with scope orders/write; charges the customer at billing
//
// Run it against local stand-ins — a Cognito pool, a token endpoint, the
// billing API, and Redis at REDIS_ADDR or else an in-memory one — with
//
//	go run ./examples/service -demo
//
// which prints tokens and curl lines. Otherwise it reads the environment:
// ADDR; COGNITO_REGION, COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID (and
// COGNITO_ENDPOINT for a stand-in); REDIS_ADDR; JWKS_SECRET and
// M2M_TOKEN_KEY (hex, `openssl rand -hex 32` each, the same on every
// replica); BILLING_URL; M2M_TOKEN_URL, M2M_CLIENT_ID, M2M_CLIENT_SECRET
// and M2M_AUDIENCE. Everything is in this directory: copy it whole.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	demo := flag.Bool("demo", false, "run against local stand-ins")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(*demo, logger); err != nil {
		logger.Error("service", "error", err)
		os.Exit(1)
	}
}

func run(demoMode bool, logger *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := configFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	var d *demo
	if demoMode {
		if d, err = startDemo(os.Getenv("REDIS_ADDR")); err != nil {
			return err
		}
		defer d.Close()
		cfg = d.config(cfg.Addr)
	}
	loadCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	s, err := newService(loadCtx, cfg, logger)
	if err != nil {
		return err
	}
	defer s.Close()

	srv := &http.Server{Addr: cfg.Addr, Handler: s.handler, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	logger.Info("serving", "addr", cfg.Addr)
	if d != nil {
		fmt.Print(d.usage(cfg.Addr))
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
