// Command redis shows two replicas of a service sharing their JWKS through
// Redis: two key caches and verifiers in one program, each with its own
// Redis client and store, in front of an in-process demo identity
// provider. It verifies tokens on both, prints how often the provider was
// asked for its keys, and rotates the provider's key to show replica B
// picking up the key replica A fetched, without a fetch of its own.
//
//	redis-server --port 6379 --bind 127.0.0.1 --save '' --appendonly no &
//	go run ./examples/redis -redis 127.0.0.1:6379
//
// -redis defaults to REDIS_ADDR, else 127.0.0.1:6379. The program exits
// with status 1 if Redis cannot be reached.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

// parseAddr reads the Redis address from args, falling back to REDIS_ADDR
// through getenv; usage receives the help text and flag errors.
func parseAddr(args []string, getenv func(string) string, usage io.Writer) (string, error) {
	fs := flag.NewFlagSet("redis", flag.ContinueOnError)
	fs.SetOutput(usage)
	addr := fs.String("redis", cmp.Or(getenv("REDIS_ADDR"), "127.0.0.1:6379"), "Redis `address` host:port (REDIS_ADDR)")
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	if fs.NArg() > 0 {
		return "", fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *addr == "" {
		return "", errors.New("-redis must not be empty")
	}
	return *addr, nil
}

func main() {
	addr, err := parseAddr(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "redis:", err)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx, addr, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "redis:", err)
		os.Exit(1)
	}
}
