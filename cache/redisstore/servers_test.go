package redisstore_test

import (
	"bufio"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
)

// server is a Redis a test can stop and start again on the same address.
type server interface {
	addr() string
	stop(t *testing.T)
	start(t *testing.T)
}

// forEachServer runs f against a miniredis and, when REDIS_ADDR is set
// and redis-server is installed, against a redis-server process of its
// own (never the shared one at REDIS_ADDR).
func forEachServer(t *testing.T, f func(t *testing.T, srv server)) {
	t.Helper()
	t.Run("miniredis", func(t *testing.T) {
		f(t, &miniServer{mr: miniredis.RunT(t)})
	})
	t.Run("redis-server", func(t *testing.T) {
		if os.Getenv("REDIS_ADDR") == "" {
			t.Skip("REDIS_ADDR is not set: skipping the run against a real redis-server (CI sets it)")
		}
		bin, err := exec.LookPath("redis-server")
		if err != nil {
			t.Skip("redis-server is not installed")
		}
		p := &processServer{bin: bin, port: freePort(t)}
		p.start(t)
		t.Cleanup(func() { p.kill() })
		f(t, p)
	})
}

type miniServer struct{ mr *miniredis.Miniredis }

func (m *miniServer) addr() string    { return m.mr.Addr() }
func (m *miniServer) stop(*testing.T) { m.mr.Close() }
func (m *miniServer) start(t *testing.T) {
	if err := m.mr.Restart(); err != nil {
		t.Fatalf("restarting miniredis: %v", err)
	}
}

// processServer is a redis-server process without persistence: a restart
// loses every key, as after a crash.
type processServer struct {
	bin  string
	port int
	cmd  *exec.Cmd
	// logDone is closed once the process's output ends (it exited) and
	// has all been read.
	logDone chan struct{}
}

// readyLine is what redis-server (7.x) logs once it accepts connections.
const readyLine = "Ready to accept connections"

// startHang is how long start waits for readyLine: a hang detector, far
// beyond the milliseconds a start takes.
const startHang = 10 * time.Second

func (p *processServer) addr() string { return "127.0.0.1:" + strconv.Itoa(p.port) }

// start runs redis-server and returns once it logs that it accepts
// connections.
func (p *processServer) start(t *testing.T) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(p.bin, "--port", strconv.Itoa(p.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no")
	cmd.Stdout, cmd.Stderr = w, w
	err = cmd.Start()
	w.Close() // the process holds its own copy: r ends when it exits
	if err != nil {
		r.Close()
		t.Fatalf("starting redis-server: %v", err)
	}
	p.cmd = cmd
	ready, logDone := make(chan struct{}), make(chan struct{})
	p.logDone = logDone
	var log strings.Builder // read by start only after logDone is closed
	go func() {
		defer close(logDone)
		defer r.Close()
		sc := bufio.NewScanner(r)
		signalled := false
		for sc.Scan() {
			line := sc.Text()
			if !signalled && strings.Contains(line, readyLine) {
				close(ready)
				signalled = true
			}
			if log.Len() < 16<<10 {
				log.WriteString(line + "\n")
			}
		}
		_, _ = io.Copy(io.Discard, r) // a line too long for sc: keep draining
	}()
	timer := time.NewTimer(startHang)
	defer timer.Stop()
	select {
	case <-ready:
	case <-logDone:
		p.kill()
		t.Fatalf("redis-server on %s exited before accepting connections:\n%s", p.addr(), log.String())
	case <-timer.C:
		p.kill()
		t.Fatalf("redis-server on %s did not log %q within %v", p.addr(), readyLine, startHang)
	}
}

func (p *processServer) stop(*testing.T) { p.kill() }

// kill stops the process and waits until its output is read to the end.
func (p *processServer) kill() {
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
	<-p.logDone
	p.cmd, p.logDone = nil, nil
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// proxy forwards TCP connections to a Redis until frozen: then the
// connections it holds stay open but carry nothing either way, as when a
// network path dies silently. Connections made after freeze work.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	pairs  []*pair
	wg     sync.WaitGroup
}

type pair struct {
	client, server net.Conn
	frozen         atomic.Bool
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		pr := &pair{client: c, server: s}
		p.mu.Lock()
		p.pairs = append(p.pairs, pr)
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(pr, c, s)
		go p.pipe(pr, s, c)
	}
}

// pipe copies src to dst, dropping what it reads while pr is frozen.
func (p *proxy) pipe(pr *pair, src, dst net.Conn) {
	defer p.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !pr.frozen.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil { // either side closed: close both
			pr.server.Close()
			pr.client.Close()
			return
		}
	}
}

// freeze silences every connection open now.
func (p *proxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pr := range p.pairs {
		pr.frozen.Store(true)
	}
}

func (p *proxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for _, pr := range p.pairs {
		pr.client.Close()
		pr.server.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}
