package server_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jwtguard/jwtguard/examples/internal/exampletest"
	"github.com/jwtguard/jwtguard/examples/internal/server"
	"github.com/jwtguard/jwtguard/issuertest"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/provider"
)

// syncBuffer is a log destination that run's goroutines may write while
// the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// build returns a build function for Run: an App for iss with routes.
func build(t *testing.T, iss *issuertest.Issuer, logger *slog.Logger) func(context.Context) (*server.App, error) {
	p := oidcProvider(t, iss)
	return func(context.Context) (*server.App, error) {
		return server.New(server.Config{Providers: []provider.Provider{p}, Logger: logger, Routes: routes})
	}
}

func TestRun(t *testing.T) {
	t.Run("serves until the context ends", func(t *testing.T) {
		iss := issuertest.New()
		defer iss.Close()
		var logs syncBuffer
		logger := slog.New(slog.NewTextHandler(&logs, nil))
		addr, stop := exampletest.StartRun(t, func(ctx context.Context, ln net.Listener) error {
			return server.Run(ctx, ln, logger, build(t, iss, logger))
		})
		if status, body := exampletest.Get(t, "http://"+addr+"/api/me", iss.Token("alice", "api", nil)); status != http.StatusOK {
			t.Errorf("GET /api/me: %d %q, want 200", status, body)
		}
		stop()
		exampletest.CheckClosed(t, addr)
		if got := logs.String(); !strings.Contains(got, "msg=listening addr="+addr+" issuer="+iss.Issuer()) || strings.Contains(got, "keys not loaded") {
			t.Errorf("logs:\n%s\nwant a line listening on %s for %s, and no warning", got, addr, iss.Issuer())
		}
	})
	t.Run("keys unavailable", func(t *testing.T) {
		iss := issuertest.New()
		defer iss.Close()
		iss.SetStatus(http.StatusInternalServerError)
		var logs syncBuffer
		logger := slog.New(slog.NewTextHandler(&logs, nil))
		addr, stop := exampletest.StartRun(t, func(ctx context.Context, ln net.Listener) error {
			return server.Run(ctx, ln, logger, build(t, iss, logger))
		})
		defer stop()
		status, body := exampletest.Get(t, "http://"+addr+"/api/me", iss.Token("alice", "api", nil))
		if status != http.StatusServiceUnavailable || !strings.Contains(body, "temporarily_unavailable") {
			t.Errorf("GET /api/me: %d %q, want 503 temporarily_unavailable", status, body)
		}
		if got := logs.String(); !strings.Contains(got, "level=WARN msg=\"keys not loaded yet") {
			t.Errorf("logs:\n%s\nwant a warning that the keys are not loaded", got)
		}
	})
	t.Run("build fails", func(t *testing.T) {
		ln := exampletest.Listen(t)
		errBuild := errors.New("no app")
		var deadline time.Time
		start := time.Now()
		err := server.Run(context.Background(), ln, slog.New(slog.DiscardHandler), func(ctx context.Context) (*server.App, error) {
			deadline, _ = ctx.Deadline()
			return nil, errBuild
		})
		if !errors.Is(err, errBuild) {
			t.Errorf("Run = %v, want the error of build", err)
		}
		if deadline.Before(start) || deadline.After(time.Now().Add(server.SetupTimeout)) {
			t.Errorf("build's context ends at %v, want within SetupTimeout of %v", deadline, start)
		}
		exampletest.CheckClosed(t, ln.Addr().String())
	})
}

// closeNotifier is a listener that tells when it is closed: when Run
// starts shutting down.
type closeNotifier struct {
	net.Listener
	once   sync.Once
	closed chan struct{}
}

func (c *closeNotifier) Close() error {
	c.once.Do(func() { close(c.closed) })
	return c.Listener.Close()
}

// TestRunShutdownIsGraceful checks that a request in flight when the
// context ends gets its answer before Run returns.
func TestRunShutdownIsGraceful(t *testing.T) {
	iss := issuertest.New()
	defer iss.Close()
	p := oidcProvider(t, iss)
	entered, release := make(chan struct{}), make(chan struct{})
	slowRoutes := func(*middleware.Middleware, prometheus.Gatherer) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			close(entered)
			<-release
			_, _ = io.WriteString(w, "done")
		})
	}
	ln := &closeNotifier{Listener: exampletest.Listen(t), closed: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runErr := make(chan error, 1)
	go func() {
		runErr <- server.Run(ctx, ln, slog.New(slog.DiscardHandler), func(context.Context) (*server.App, error) {
			return server.New(server.Config{Providers: []provider.Provider{p}, Routes: slowRoutes})
		})
	}()
	type answer struct {
		body string
		err  error
	}
	answers := make(chan answer, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			answers <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		answers <- answer{string(b), err}
	}()
	select {
	case <-entered:
	case a := <-answers:
		t.Fatalf("the request was answered before it reached the handler: %q, %v", a.body, a.err)
	case err := <-runErr:
		t.Fatalf("Run returned before the request reached the handler: %v", err)
	}
	cancel()
	<-ln.closed // Run has begun shutting down, with the request in flight.
	close(release)
	if a := <-answers; a.err != nil || a.body != "done" {
		t.Errorf("the request in flight got %q, %v; want done", a.body, a.err)
	}
	if err := <-runErr; err != nil {
		t.Errorf("Run: %v", err)
	}
}
