// Command cognito serves an API that accepts tokens from an Amazon Cognito
// user pool, with nothing but net/http: a public route, routes that need a
// valid token of the pool's app clients, one of them also a group, and
// /metrics for Prometheus.
//
//	go run ./examples/cognito -region eu-west-1 -user-pool-id eu-west-1_AbCdEf123 -client-ids 1example23456789
//
//	GET /healthz      public
//	GET /api/me       a valid token: its subject, username, email, token use, scopes and groups
//	GET /api/admin    a valid token whose cognito:groups has -group (default "admin")
//	GET /metrics      jwtguard, Go and process metrics
//
// Each flag not given is read from the environment: ADDR, COGNITO_REGION
// (or AWS_REGION), COGNITO_USER_POOL_ID, COGNITO_CLIENT_IDS
// (comma-separated), COGNITO_TOKEN_USE ("access", the default, "id" or
// "any"), COGNITO_GROUP and COGNITO_ENDPOINT. Leave the endpoint empty for
// AWS; set it to a stand-in such as cognito-local (http://127.0.0.1:9229),
// which then needs no region.
//
// The whole program is in this directory: copy it. What is Cognito's is
// cognito.Config from the flags (here) and a router that reads Cognito's
// claims (routes.go). main and run, which builds the Verifier with its
// metrics and the middleware, fetches the keys, and serves until SIGINT or
// SIGTERM, then shuts down gracefully, are much the same in the auth0,
// chi and gorilla examples.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/cognito"
	"github.com/jwtguard/jwtguard/metrics"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/provider"
)

// config is what the command is told by flags and the environment.
type config struct {
	Addr       string
	Region     string
	UserPoolID string
	ClientIDs  []string
	TokenUse   cognito.TokenUse
	Endpoint   string // empty for AWS
	Group      string // the group /api/admin requires
}

// parseConfig reads args, falling back to getenv for each flag not given;
// usage receives the help text and flag errors.
func parseConfig(args []string, getenv func(string) string, usage io.Writer) (config, error) {
	var cfg config
	var clientIDs, tokenUse string
	fs := flag.NewFlagSet("cognito", flag.ContinueOnError)
	fs.SetOutput(usage)
	fs.StringVar(&cfg.Addr, "addr", cmp.Or(getenv("ADDR"), "127.0.0.1:8080"), "`address` to listen on (ADDR)")
	fs.StringVar(&cfg.Region, "region", cmp.Or(getenv("COGNITO_REGION"), getenv("AWS_REGION")), "AWS `region` of the user pool (COGNITO_REGION, AWS_REGION)")
	fs.StringVar(&cfg.UserPoolID, "user-pool-id", getenv("COGNITO_USER_POOL_ID"), "user pool `id`, e.g. eu-west-1_AbCdEf123 (COGNITO_USER_POOL_ID)")
	fs.StringVar(&clientIDs, "client-ids", getenv("COGNITO_CLIENT_IDS"), "comma-separated app client `ids` whose tokens to accept (COGNITO_CLIENT_IDS)")
	fs.StringVar(&tokenUse, "token-use", cmp.Or(getenv("COGNITO_TOKEN_USE"), string(cognito.AccessToken)), "tokens to accept: `access`, id or any (COGNITO_TOKEN_USE)")
	fs.StringVar(&cfg.Group, "group", cmp.Or(getenv("COGNITO_GROUP"), "admin"), "cognito:groups `group` that /api/admin requires (COGNITO_GROUP)")
	fs.StringVar(&cfg.Endpoint, "endpoint", getenv("COGNITO_ENDPOINT"), "issuer base `URL` of a Cognito stand-in; empty for AWS (COGNITO_ENDPOINT)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, id := range strings.Split(clientIDs, ",") {
		if id = strings.TrimSpace(id); id != "" {
			cfg.ClientIDs = append(cfg.ClientIDs, id)
		}
	}
	cfg.TokenUse = cognito.TokenUse(tokenUse)
	switch {
	case cfg.Region == "" && cfg.Endpoint == "":
		return config{}, errors.New("missing -region (or COGNITO_REGION, AWS_REGION): the AWS region of the user pool")
	case cfg.UserPoolID == "":
		return config{}, errors.New("missing -user-pool-id (or COGNITO_USER_POOL_ID)")
	case len(cfg.ClientIDs) == 0:
		return config{}, errors.New("missing -client-ids (or COGNITO_CLIENT_IDS): the app clients whose tokens to accept")
	case cfg.Group == "":
		return config{}, errors.New("-group (or COGNITO_GROUP) must not be empty")
	}
	return cfg, nil
}

// provider returns the user pool's Provider; cognito.New checks the
// region, pool id and token use.
func (c config) provider() (provider.Provider, error) {
	return cognito.New(cognito.Config{
		Region:     c.Region,
		UserPoolID: c.UserPoolID,
		ClientIDs:  c.ClientIDs,
		TokenUse:   c.TokenUse,
		Endpoint:   c.Endpoint,
	})
}

// main exits with status 2 if the configuration is wrong, 1 if serving
// fails.
func main() {
	cfg, err := parseConfig(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "cognito:", err)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cognito:", err)
		os.Exit(1)
	}
	if err := run(ctx, cfg, ln, logger); err != nil {
		fmt.Fprintln(os.Stderr, "cognito:", err)
		os.Exit(1)
	}
}

// run serves the API on ln until ctx ends, then shuts down gracefully and
// closes the Verifier. It returns the error that ended serving, or that of
// the shutdown (nil when every request finished in time); ln is closed
// when it returns.
func run(ctx context.Context, cfg config, ln net.Listener, logger *slog.Logger) error {
	defer ln.Close()
	p, err := cfg.provider()
	if err != nil {
		return err
	}

	// A Prometheus registry of the program's own, for /metrics: jwtguard's
	// metrics, which the Verifier and its key cache report to, and the Go
	// and process collectors.
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m, err := metrics.New(metrics.Config{Registerer: reg})
	if err != nil {
		return err
	}
	v, err := provider.NewVerifier(provider.VerifierConfig{
		Providers: []provider.Provider{p},
		Metrics:   m,
		// The key cache warns here when a refresh fails.
		Cache: cache.Config{Logger: logger},
	})
	if err != nil {
		return err
	}
	defer v.Close() // stops the key cache, once the server has shut down
	// The middleware logs the requests it rejects at debug.
	mw, err := middleware.New(middleware.Config{Verifier: v, Logger: logger})
	if err != nil {
		return err
	}

	// Fetch the keys before serving, within 15 seconds. If they cannot be
	// fetched, serve anyway: protected routes answer 503 with Retry-After
	// until the cache, retrying in the background, has them.
	loadCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	err = v.Load(loadCtx)
	cancel()
	if err != nil {
		logger.Warn("keys not loaded yet; protected routes answer 503 until they are", "error", err)
	}

	srv := &http.Server{Handler: cfg.routes(mw, reg), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	logger.Info("listening", "addr", ln.Addr().String(), "issuer", p.Issuer())
	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	// Requests in flight get 10 seconds to finish.
	shutdownCtx, cancelShutdown := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelShutdown()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		// Past the deadline: close what is left, so that no handler outlives
		// the Verifier closed on return.
		return errors.Join(err, srv.Close())
	}
	return nil
}
