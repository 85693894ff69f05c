package exampletest

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Listen listens on a free loopback port; the listener is closed when the
// test ends, if nothing closed it before.
func Listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// StartRun calls run in a goroutine with a fresh listener and returns the
// listener's address and stop, which cancels run's context, waits for run
// to return and reports an error if it returned one. The listener is open
// already: requests wait for run to serve. stop runs once, by the test's
// call or, failing that, when the test ends.
func StartRun(t testing.TB, run func(ctx context.Context, ln net.Listener) error) (addr string, stop func()) {
	t.Helper()
	ln := Listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, ln) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return ln.Addr().String(), stop
}

// CheckClosed reports an error if something still accepts connections on
// addr, such as a listener that run should have closed.
func CheckClosed(t testing.TB, addr string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		conn.Close()
		t.Errorf("%s still accepts connections", addr)
	}
}

// CheckGracefulShutdown checks that run, an example's run function, shuts
// down gracefully: a request in flight when run's context ends gets its
// answer before run returns, and run then returns nil.
//
// The request in flight is GET path without a token, which the example's
// middleware rejects, logging it at debug to the logger run is given: that
// logger holds the request there until run has closed its listener, that
// is, until it has begun shutting down.
func CheckGracefulShutdown(t testing.TB, path string, run func(ctx context.Context, ln net.Listener, logger *slog.Logger) error) {
	t.Helper()
	ln := &closeNotifier{Listener: Listen(t), closed: make(chan struct{})}
	hold := &holdingHandler{msg: "request rejected", entered: make(chan struct{}), release: make(chan struct{})}
	release := sync.OnceFunc(func() { close(hold.release) })
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- run(ctx, ln, slog.New(hold)) }()

	type answer struct {
		status int
		err    error
	}
	answers := make(chan answer, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + path)
		if err != nil {
			answers <- answer{err: err}
			return
		}
		resp.Body.Close()
		answers <- answer{status: resp.StatusCode}
	}()
	select {
	case <-hold.entered:
	case a := <-answers:
		t.Fatalf("GET %s was answered (%d, %v) without logging its rejection", path, a.status, a.err)
	case err := <-runErr:
		t.Fatalf("run returned before serving: %v", err)
	}
	cancel()
	select {
	case <-ln.closed: // run has begun shutting down, with the request in flight
	case <-time.After(10 * time.Second):
		t.Fatal("run did not close its listener when its context ended")
	}
	// A graceful shutdown waits for the request; another returns at once.
	select {
	case err := <-runErr:
		release()
		t.Errorf("run returned (error %v) with a request in flight", err)
		<-answers
		return
	case <-time.After(100 * time.Millisecond):
	}
	release()
	if a := <-answers; a.err != nil || a.status != http.StatusUnauthorized {
		t.Errorf("the request in flight got %d, %v; want 401", a.status, a.err)
	}
	if err := <-runErr; err != nil {
		t.Errorf("run: %v", err)
	}
}

// closeNotifier is a listener that tells when it is closed.
type closeNotifier struct {
	net.Listener
	once   sync.Once
	closed chan struct{}
}

func (c *closeNotifier) Close() error {
	c.once.Do(func() { close(c.closed) })
	return c.Listener.Close()
}

// holdingHandler is a slog.Handler that drops every record, holding the
// first whose message contains msg until release is closed.
type holdingHandler struct {
	msg     string
	once    sync.Once
	entered chan struct{} // closed when the record arrives
	release chan struct{}
}

func (h *holdingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *holdingHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *holdingHandler) WithGroup(string) slog.Handler            { return h }

func (h *holdingHandler) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, h.msg) {
		first := false
		h.once.Do(func() { first = true; close(h.entered) })
		if first {
			<-h.release
		}
	}
	return nil
}

// Logs is a log destination that run's goroutines may write while the
// test reads it.
type Logs struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Logger returns a text logger that writes to l from level debug on.
func (l *Logs) Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns what was logged so far.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
