package server

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
)

// SetupTimeout bounds, in Run, building the App (with an OIDC issuer,
// discovery) and the first fetch of its keys.
const SetupTimeout = 15 * time.Second

// ShutdownTimeout bounds, in Run, the graceful shutdown: how long requests
// in flight have to finish once the context has ended.
const ShutdownTimeout = 10 * time.Second

// Run builds the App with build and serves its Handler on ln until ctx
// ends, then shuts down gracefully and closes the App.
//
// build gets a context that ends after SetupTimeout; if it fails, Run
// closes ln and returns its error. The App's keys are then fetched within
// the same time. If they cannot be, Run logs a warning and serves anyway:
// protected routes answer 503 with Retry-After until the cache, retrying
// in the background, has them. Run returns the error that ended serving,
// or that of the shutdown (nil when every request finished in time).
// logger must not be nil.
func Run(ctx context.Context, ln net.Listener, logger *slog.Logger, build func(context.Context) (*App, error)) error {
	setupCtx, cancel := context.WithTimeout(ctx, SetupTimeout)
	defer cancel()
	a, err := build(setupCtx)
	if err != nil {
		ln.Close()
		return err
	}
	defer a.Close()
	if err := a.Load(setupCtx); err != nil {
		logger.Warn("keys not loaded yet; protected routes answer 503 until they are", "error", err)
	}
	cancel()

	srv := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	logger.Info("listening", "addr", ln.Addr().String(), "issuer", strings.Join(a.Issuers(), " "))

	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancelShutdown := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancelShutdown()
	return srv.Shutdown(shutdownCtx)
}
