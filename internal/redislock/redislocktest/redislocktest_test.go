package redislocktest_test

import (
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/internal/redislock/redislocktest"
)

// A blackhole takes the connection and the request, and answers nothing.
func TestBlackhole(t *testing.T) {
	c, err := net.Dial("tcp", redislocktest.Blackhole(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		t.Fatal(err)
	}
	if err := c.SetReadDeadline(time.Now().Add(100 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	n, err := c.Read(make([]byte, 16))
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read %d bytes, %v; want nothing until the deadline", n, err)
	}
}
