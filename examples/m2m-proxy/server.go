package main

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// server is one listener of the proxy: tokens (with TLS if configured),
// or metrics.
type server struct {
	name    string
	addr    string
	tls     *tls.Config // nil: plain HTTP
	handler http.Handler

	ln  net.Listener
	srv *http.Server
}

// listen opens the listener and builds the server, with timeouts so that
// a slow or idle client cannot hold a connection and its handler.
func (s *server) listen(o *options, logger *slog.Logger) error {
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("%s listener: %w", s.name, err)
	}
	s.ln = ln
	s.srv = &http.Server{
		Handler:           s.handler,
		TLSConfig:         s.tls,
		ReadHeaderTimeout: min(5*time.Second, o.ReadTimeout),
		ReadTimeout:       o.ReadTimeout,
		WriteTimeout:      o.WriteTimeout,
		IdleTimeout:       o.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	return nil
}

// serve serves until the server is shut down.
func (s *server) serve() error {
	if s.tls != nil {
		return s.srv.ServeTLS(s.ln, "", "")
	}
	return s.srv.Serve(s.ln)
}

// close closes the listener of a server that will not serve.
func (s *server) close() {
	if s.ln != nil {
		s.ln.Close()
	}
}
