// Command cognito serves an API that accepts tokens from an Amazon Cognito
// user pool, with nothing but net/http: a public route, routes that need a
// valid token of the pool's app clients, one of them also a group, and
// /metrics for Prometheus.
//
//	go run ./examples/cognito -region eu-west-1 -user-pool-id eu-west-1_AbCdEf123 -client-ids 1example23456789
//
//	GET /healthz      public
//	GET /api/me       a valid token: its subject, username, scopes and groups
//	GET /api/admin    a valid token whose cognito:groups has -group (default "admin")
//	GET /metrics      jwtguard, Go and process metrics
//
// Each flag not given is read from the environment: ADDR, COGNITO_REGION
// (or AWS_REGION), COGNITO_USER_POOL_ID, COGNITO_CLIENT_IDS
// (comma-separated), COGNITO_TOKEN_USE ("access", the default, "id" or
// "any"), COGNITO_GROUP and COGNITO_ENDPOINT. Leave the endpoint empty for
// AWS; set it to a stand-in such as cognito-local (http://127.0.0.1:9229),
// which then needs no region.
package main

import (
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

	"github.com/jwtguard/jwtguard/cognito"
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
	or := func(def string, keys ...string) string {
		for _, k := range keys {
			if v := getenv(k); v != "" {
				return v
			}
		}
		return def
	}
	var cfg config
	var clientIDs, tokenUse string
	fs := flag.NewFlagSet("cognito", flag.ContinueOnError)
	fs.SetOutput(usage)
	fs.StringVar(&cfg.Addr, "addr", or("127.0.0.1:8080", "ADDR"), "`address` to listen on (ADDR)")
	fs.StringVar(&cfg.Region, "region", or("", "COGNITO_REGION", "AWS_REGION"), "AWS `region` of the user pool (COGNITO_REGION, AWS_REGION)")
	fs.StringVar(&cfg.UserPoolID, "user-pool-id", getenv("COGNITO_USER_POOL_ID"), "user pool `id`, e.g. eu-west-1_AbCdEf123 (COGNITO_USER_POOL_ID)")
	fs.StringVar(&clientIDs, "client-ids", getenv("COGNITO_CLIENT_IDS"), "comma-separated app client `ids` whose tokens to accept (COGNITO_CLIENT_IDS)")
	fs.StringVar(&tokenUse, "token-use", or(string(cognito.AccessToken), "COGNITO_TOKEN_USE"), "tokens to accept: `access`, id or any (COGNITO_TOKEN_USE)")
	fs.StringVar(&cfg.Group, "group", or("admin", "COGNITO_GROUP"), "cognito:groups `group` that /api/admin requires (COGNITO_GROUP)")
	fs.StringVar(&cfg.Endpoint, "endpoint", getenv("COGNITO_ENDPOINT"), "issuer base `URL` of a Cognito stand-in; empty for AWS (COGNITO_ENDPOINT)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	cfg.ClientIDs = splitList(clientIDs)
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
func (c config) provider() (*cognito.Provider, error) {
	return cognito.New(cognito.Config{
		Region:     c.Region,
		UserPoolID: c.UserPoolID,
		ClientIDs:  c.ClientIDs,
		TokenUse:   c.TokenUse,
		Endpoint:   c.Endpoint,
	})
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

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

// run serves the API on ln until ctx is cancelled, then shuts down
// gracefully.
func run(ctx context.Context, cfg config, ln net.Listener, logger *slog.Logger) error {
	a, err := newApp(cfg, logger)
	if err != nil {
		ln.Close()
		return err
	}
	defer a.Close()
	// Fetch the keys before serving. If they cannot be fetched now, serve
	// anyway: protected routes answer 503 with Retry-After until the
	// cache, retrying in the background, has them.
	loadCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	if err := a.Load(loadCtx); err != nil {
		logger.Warn("keys not loaded yet; protected routes answer 503 until they are", "error", err)
	}
	cancel()

	srv := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	logger.Info("listening", "addr", ln.Addr().String(), "issuer", a.Issuers()[0])

	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancelShutdown := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelShutdown()
	return srv.Shutdown(shutdownCtx)
}
