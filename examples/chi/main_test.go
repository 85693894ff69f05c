package main

import (
	"net/http"
	"testing"

	"github.com/jwtguard/jwtguard/examples/internal/exampletest"
)

// TestRouter drives the chi router against an issuertest issuer found by
// discovery: the routes every OIDC example answers alike (see
// exampletest.CheckOIDCRouter), and chi's own behaviour.
func TestRouter(t *testing.T) {
	exampletest.CheckOIDCRouter(t, newRouter,
		// chi runs a group's middleware before routing: an unknown path
		// under /api asks for a token first.
		exampletest.Route{Name: "unknown path under /api", Path: "/api/nope", Status: http.StatusUnauthorized, Body: `"unauthorized"`},
	)
}

// TestRun serves with the chi router on a real listener and shuts down
// when the context ends.
func TestRun(t *testing.T) {
	exampletest.CheckOIDCRun(t, newRouter)
}
