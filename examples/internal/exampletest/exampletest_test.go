package exampletest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
)

// recorder is a testing.TB that records errors instead of failing, so
// that the checks can be shown to fail.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// Fatalf records the error and ends the goroutine, as testing's does; call
// what may use it through fatalOK.
func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

// fatalOK runs f in a goroutine of its own, so that r.Fatalf can end it,
// and reports whether f returned normally.
func fatalOK(f func()) bool {
	returned := make(chan bool, 1)
	go func() {
		ok := false
		defer func() { returned <- ok }()
		f()
		ok = true
	}()
	return <-returned
}

func TestGet(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		fmt.Fprintf(w, "%s %s [%s]", r.Method, r.URL.Path, r.Header.Get("Authorization"))
	}))
	defer srv.Close()
	tests := []struct {
		name, token, want string
	}{
		{"with a token", "t0k3n", "GET /p [Bearer t0k3n]"},
		{"without", "", "GET /p []"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if status, body := Get(t, srv.URL+"/p", tt.token); status != http.StatusTeapot || body != tt.want {
				t.Errorf("Get: %d %q, want 418 %q", status, body, tt.want)
			}
		})
	}
}

func TestExcerpt(t *testing.T) {
	long := strings.Repeat("# HELP go_x x\ngo_x 1\n", 100)
	tests := []struct {
		name, body, want string
	}{
		{"short", "short body", "short body"},
		{"long exposition", long + "jwtguard_jwt_verifications_total{a=\"b\"} 3\n" + long + "jwtguard_jwt_verifications_total{a=\"c\"} 1\n",
			"jwtguard_jwt_verifications_total{a=\"b\"} 3\njwtguard_jwt_verifications_total{a=\"c\"} 1"},
		{"long without verifications", long, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := excerpt(tt.body); got != tt.want {
				t.Errorf("Excerpt = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckClosed(t *testing.T) {
	ln := Listen(t)
	r := &recorder{TB: t}
	CheckClosed(r, ln.Addr().String())
	if len(r.errs) != 1 {
		t.Errorf("CheckClosed on an open listener: errors %q, want one", r.errs)
	}
	ln.Close()
	r = &recorder{TB: t}
	CheckClosed(r, ln.Addr().String())
	if len(r.errs) != 0 {
		t.Errorf("CheckClosed on a closed listener: errors %q, want none", r.errs)
	}
}

func TestStartRun(t *testing.T) {
	errRun := errors.New("run failed")
	r := &recorder{TB: t}
	var gotCtx context.Context
	addr, stop := StartRun(r, func(ctx context.Context, ln net.Listener) error {
		<-ctx.Done()
		gotCtx = ctx
		ln.Close()
		return errRun
	})
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("the listener at %s is not open: %v", addr, err)
	}
	conn.Close()
	stop()
	stop() // once only
	if gotCtx == nil || gotCtx.Err() == nil {
		t.Error("stop did not wait for run to see its context end")
	}
	if len(r.errs) != 1 || !strings.Contains(r.errs[0], "run failed") {
		t.Errorf("errors %q, want one reporting run's error", r.errs)
	}
}

// serveUntilDone is a run function for CheckGracefulShutdown: it rejects
// every request, logging it as the middleware does, and when ctx ends it
// shuts down gracefully, or closes at once.
func serveUntilDone(graceful bool) func(ctx context.Context, ln net.Listener, logger *slog.Logger) error {
	return func(ctx context.Context, ln net.Listener, logger *slog.Logger) error {
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			logger.Debug("jwtguard: request rejected", "path", r.URL.Path)
			w.WriteHeader(http.StatusUnauthorized)
		})}
		served := make(chan error, 1)
		go func() { served <- srv.Serve(ln) }()
		<-ctx.Done()
		var err error
		if graceful {
			err = srv.Shutdown(context.Background())
		} else {
			err = srv.Close()
		}
		<-served
		return err
	}
}

func TestCheckGracefulShutdown(t *testing.T) {
	tests := []struct {
		name     string
		graceful bool
		wantErrs int
	}{
		{"graceful", true, 0},
		{"abrupt", false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{TB: t}
			if !fatalOK(func() { CheckGracefulShutdown(r, "/api/me", serveUntilDone(tt.graceful)) }) {
				t.Fatalf("CheckGracefulShutdown stopped the test: %q", r.errs)
			}
			if len(r.errs) != tt.wantErrs {
				t.Errorf("errors %q, want %d", r.errs, tt.wantErrs)
			}
		})
	}
}

func TestLogs(t *testing.T) {
	var logs Logs
	logs.Logger().Debug("hello", "k", "v")
	if got := logs.String(); !strings.Contains(got, "level=DEBUG msg=hello k=v") {
		t.Errorf("logs = %q, want the debug record", got)
	}
}

func TestWantError(t *testing.T) {
	errFailed := errors.New("parse: missing -issuer")
	tests := []struct {
		name       string
		err        error
		want       string
		wantResult bool
		wantFatal  bool
	}{
		{"no error wanted, none", nil, "", false, false},
		{"error wanted and found", errFailed, "missing -issuer", true, false},
		{"no error wanted, one", errFailed, "", false, true},
		{"error wanted, none", nil, "missing", false, true},
		{"error wanted, another", errFailed, "missing -audience", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{TB: t}
			var got bool
			returned := fatalOK(func() { got = WantError(r, tt.err, tt.want) })
			if returned == tt.wantFatal || len(r.errs) > 0 != tt.wantFatal {
				t.Fatalf("returned %v with errors %q; want a fatal error: %v", returned, r.errs, tt.wantFatal)
			}
			if returned && got != tt.wantResult {
				t.Errorf("WantError = %v, want %v", got, tt.wantResult)
			}
		})
	}
}
