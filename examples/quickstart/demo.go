package main

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jwtguard/jwtguard/issuertest"
	"github.com/jwtguard/jwtguard/metrics"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/provider"
)

// demo is the running quickstart: an identity provider and an API that
// trusts it.
type demo struct {
	// Issuer is the demo identity provider. In a real deployment it is
	// Cognito, Auth0 or any OpenID Connect issuer; here it is an
	// issuertest.Issuer with its own signing key, a JWKS endpoint and a
	// /token endpoint that mints tokens for anyone who asks.
	Issuer *issuertest.Issuer
	// APIURL is the base URL of the protected API.
	APIURL string

	verifier *provider.Verifier
	server   *http.Server
	serveErr chan error
}

// startDemo starts the demo issuer, and the API on ln. Close stops both.
func startDemo(ctx context.Context, ln net.Listener) (*demo, error) {
	iss := issuertest.New()
	// Metrics on a registry of our own, served at /metrics.
	reg := prometheus.NewRegistry()
	m, err := metrics.New(metrics.Config{Registerer: reg})
	if err != nil {
		ln.Close()
		iss.Close()
		return nil, err
	}
	v, err := newVerifier(ctx, iss.URL, m)
	if err != nil {
		ln.Close()
		iss.Close()
		return nil, err
	}
	mw, err := middleware.New(middleware.Config{
		Verifier: v, Realm: "quickstart",
		// Bearer tokens, and DPoP-bound tokens with their proofs (RFC
		// 9449): a bound token is never taken as a bearer token.
		DPoP: middleware.DPoPConfig{Mode: middleware.DPoPAllowed, Metrics: m},
	})
	if err != nil {
		ln.Close()
		v.Close()
		iss.Close()
		return nil, err
	}
	d := &demo{
		Issuer:   iss,
		APIURL:   baseURL(ln.Addr()),
		verifier: v,
		// ReadHeaderTimeout keeps slow clients from holding connections
		// open forever (Slowloris); set it on every server you expose.
		server:   &http.Server{Handler: newMux(mw, reg), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 2 * time.Minute},
		serveErr: make(chan error, 1),
	}
	go serve(d.server, ln, d.serveErr)
	return d, nil
}

// Close shuts the API down (letting requests in flight finish, for up to
// five seconds), then stops the verifier's key cache and the issuer.
func (d *demo) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := d.server.Shutdown(ctx)
	d.verifier.Close()
	d.Issuer.Close()
	return err
}

// mintURL is the demo issuer's /token URL that mints a token for sub, for
// this API's audience, with scope (space-separated). A ttl of zero means
// the issuer's default (an hour); a negative one mints an expired token.
func mintURL(issuerURL, sub, scope string, ttl time.Duration) string {
	q := url.Values{"sub": {sub}, "aud": {audience}, "scope": {scope}}
	if ttl != 0 {
		q.Set("ttl", ttl.String())
	}
	return issuerURL + issuertest.TokenPath + "?" + q.Encode()
}
