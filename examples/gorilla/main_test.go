package main

import (
	"net/http"
	"testing"

	"github.com/jwtguard/jwtguard/examples/internal/exampletest"
)

// TestRouter drives the gorilla/mux router against an issuertest issuer
// found by discovery: the routes every OIDC example answers alike (see
// exampletest.CheckOIDCRouter), and gorilla's own behaviour.
func TestRouter(t *testing.T) {
	exampletest.CheckOIDCRouter(t, newRouter,
		// gorilla/mux runs subrouter middleware only on a match.
		exampletest.Route{Name: "unknown path under /api", Path: "/api/nope", Status: http.StatusNotFound, Body: "404 page not found"},
	)
}

// TestRun serves with the gorilla/mux router on a real listener and shuts
// down when the context ends.
func TestRun(t *testing.T) {
	exampletest.CheckOIDCRun(t, newRouter)
}
