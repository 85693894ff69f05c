// Command quickstart shows jwtguard end to end with nothing to install: it
// starts a demo identity provider and an API protected by the middleware,
// both on loopback, walks through what the middleware accepts and rejects
// (a valid token, no token, an expired one, one for another audience, a
// key rotation, a scope-guarded route, a DPoP-bound token with and without
// its proof), then keeps serving and prints curl
// lines to try it yourself until Ctrl-C.
//
//	go run ./examples/quickstart                # walkthrough, then serve
//	go run ./examples/quickstart -walkthrough   # walkthrough only; exit 1 if a step misbehaved
//	go run ./examples/quickstart -addr 127.0.0.1:9000
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// defaultAddr is where the API listens unless -addr says otherwise; if it
// is busy, the quickstart takes a free port instead.
const defaultAddr = "127.0.0.1:8080"

func main() {
	addr := flag.String("addr", defaultAddr, "`address` the API listens on")
	walkOnly := flag.Bool("walkthrough", false, "run the walkthrough and exit: status 0 only if every step behaved as expected")
	flag.Parse()

	// Ctrl-C (SIGINT) or SIGTERM cancels ctx, which shuts the servers down.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if err := run(ctx, os.Stdout, *addr, *walkOnly); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// run starts the demo, runs the walkthrough and, unless walkOnly, serves
// until ctx is cancelled.
func run(ctx context.Context, out io.Writer, addr string, walkOnly bool) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil && addr == defaultAddr {
		fmt.Fprintf(out, "%s is busy (%v); using a free port instead\n", addr, err)
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		return err
	}
	d, err := startDemo(ctx, ln)
	if err != nil {
		return err
	}
	defer d.Close()

	fmt.Fprintf(out, "jwtguard quickstart\n  demo issuer  %s  (keys: %s)\n  API          %s  (audience %q)\n",
		d.Issuer.URL, d.Issuer.JWKSURL(), d.APIURL, audience)

	walkErr := walkthrough(ctx, out, d.Issuer, d.APIURL)
	if walkOnly {
		return walkErr
	}
	if walkErr != nil {
		fmt.Fprintf(out, "\nwalkthrough: %v\n", walkErr)
	}
	printCurl(out, d.Issuer.URL, d.APIURL)

	select {
	case <-ctx.Done():
		fmt.Fprintln(out, "\nshutting down")
	case err := <-d.serveErr:
		return fmt.Errorf("API server: %w", err)
	}
	return nil
}

// printCurl prints commands that mint a token at the demo issuer and call
// the API with it.
func printCurl(out io.Writer, issuerURL, apiURL string) {
	fmt.Fprintf(out, `
Serving until Ctrl-C. Try it yourself:

  # a token for alice with the profile scope (the demo issuer's /token endpoint)
  TOKEN=$(curl -s '%s' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
  curl -i -H "Authorization: Bearer $TOKEN" %s/api/me
  curl -i -H "Authorization: Bearer $TOKEN" %s/api/reports     # 403: no reports:read scope

  # with the reports:read scope
  TOKEN=$(curl -s '%s' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
  curl -i -H "Authorization: Bearer $TOKEN" %s/api/reports

  # an expired token
  TOKEN=$(curl -s '%s' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
  curl -i -H "Authorization: Bearer $TOKEN" %s/api/me

  # the metrics
  curl -s %s/metrics | grep ^jwtguard_
`,
		mintURL(issuerURL, "alice", "profile", 0), apiURL, apiURL,
		mintURL(issuerURL, "alice", "profile reports:read", 0), apiURL,
		mintURL(issuerURL, "alice", "profile", -5*time.Minute), apiURL, apiURL)
}

// baseURL is the http URL clients use to reach a listener: a wildcard
// address (":8080", "[::]:8080") is reached on loopback.
func baseURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// serve runs srv on ln and reports on errc if it stops for another reason
// than Shutdown.
func serve(srv *http.Server, ln net.Listener, errc chan<- error) {
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		errc <- err
	}
}
