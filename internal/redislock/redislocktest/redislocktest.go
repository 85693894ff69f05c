// Package redislocktest helps test the Redis stores against a Redis that
// misbehaves.
//
// Blackhole is safe to call from parallel tests.
package redislocktest

import (
	"net"
	"sync"
	"testing"
)

// Blackhole returns the address of a listener that accepts connections and
// never answers, nor closes them: a Redis that hangs. It stops, closing
// every connection, when the test ends.
func Blackhole(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// Refused returns the address of a port on loopback that nothing listens
// on: connecting is refused at once.
func Refused(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
