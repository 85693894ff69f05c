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
//
// What is Cognito's is here and in app.go: cognito.Config from the flags,
// and a router that reads Cognito's claims. The Verifier with its metrics
// and the middleware (server.New), and serving until SIGINT or SIGTERM
// with a graceful shutdown (server.Run) are shared with the other examples
// in examples/internal/server.
package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net"

	"github.com/jwtguard/jwtguard/cognito"
	"github.com/jwtguard/jwtguard/examples/internal/server"
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

// ListenAddr returns c.Addr, for server.Main.
func (c config) ListenAddr() string { return c.Addr }

// parseConfig reads args, falling back to getenv for each flag not given;
// usage receives the help text and flag errors.
func parseConfig(args []string, getenv func(string) string, usage io.Writer) (config, error) {
	var cfg config
	var clientIDs, tokenUse string
	fs := flag.NewFlagSet("cognito", flag.ContinueOnError)
	fs.SetOutput(usage)
	fs.StringVar(&cfg.Addr, "addr", server.Env(getenv, "127.0.0.1:8080", "ADDR"), "`address` to listen on (ADDR)")
	fs.StringVar(&cfg.Region, "region", server.Env(getenv, "", "COGNITO_REGION", "AWS_REGION"), "AWS `region` of the user pool (COGNITO_REGION, AWS_REGION)")
	fs.StringVar(&cfg.UserPoolID, "user-pool-id", getenv("COGNITO_USER_POOL_ID"), "user pool `id`, e.g. eu-west-1_AbCdEf123 (COGNITO_USER_POOL_ID)")
	fs.StringVar(&clientIDs, "client-ids", getenv("COGNITO_CLIENT_IDS"), "comma-separated app client `ids` whose tokens to accept (COGNITO_CLIENT_IDS)")
	fs.StringVar(&tokenUse, "token-use", server.Env(getenv, string(cognito.AccessToken), "COGNITO_TOKEN_USE"), "tokens to accept: `access`, id or any (COGNITO_TOKEN_USE)")
	fs.StringVar(&cfg.Group, "group", server.Env(getenv, "admin", "COGNITO_GROUP"), "cognito:groups `group` that /api/admin requires (COGNITO_GROUP)")
	fs.StringVar(&cfg.Endpoint, "endpoint", getenv("COGNITO_ENDPOINT"), "issuer base `URL` of a Cognito stand-in; empty for AWS (COGNITO_ENDPOINT)")
	if err := server.ParseFlags(fs, args); err != nil {
		return config{}, err
	}
	cfg.ClientIDs = server.SplitList(clientIDs)
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

func main() {
	server.Main("cognito", parseConfig, run)
}

// run serves the API on ln until ctx is cancelled, then shuts down
// gracefully (see server.Run).
func run(ctx context.Context, cfg config, ln net.Listener, logger *slog.Logger) error {
	return server.Run(ctx, ln, logger, func(context.Context) (*server.App, error) {
		return newApp(cfg, logger)
	})
}
