package server

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
)

// Main is the main function of the example command called name.
//
// It reads the configuration with parse from the command line and the
// environment; after -h it returns, after any other error it exits with
// status 2. It then listens on the configuration's ListenAddr and calls
// run with a context that SIGINT or SIGTERM cancels and a text logger on
// standard error; if listening or run fails, it exits with status 1.
// Errors are printed to standard error after "name: ".
func Main[C interface{ ListenAddr() string }](
	name string,
	parse func(args []string, getenv func(string) string, usage io.Writer) (C, error),
	run func(ctx context.Context, cfg C, ln net.Listener, logger *slog.Logger) error,
) {
	cfg, err := parse(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", cfg.ListenAddr())
	if err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
	if err := run(ctx, cfg, ln, logger); err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}
