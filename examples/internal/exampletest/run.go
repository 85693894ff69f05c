package exampletest

import (
	"context"
	"net"
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
