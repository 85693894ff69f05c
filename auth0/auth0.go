// Package auth0 verifies tokens issued by an Auth0 tenant.
//
// New turns a domain (tenant.eu.auth0.com, or a custom domain) into the
// issuer https://<domain>/ — with the trailing slash Auth0 puts in iss —
// and the JWKS URL https://<domain>/.well-known/jwks.json, and checks that
// the token's aud (a string or an array) contains a configured API
// audience. Scopes (scope) are in the verified provider.Claims; Auth0's
// own claims are read here: Permissions reads the RBAC permissions
// (permissions), MachineToMachine tells client-credentials tokens apart
// (gty). Config.Organizations restricts a tenant's tokens to Auth0
// Organizations (org_id), and Organization reads it.
//
// # Permissions
//
// RequirePermissions and RequireAnyPermission are rules for a route's
// guard, middleware.Middleware.Require:
//
//	mux.Handle("DELETE /orders/{id}", mw.Handler(mw.Require(auth0.RequirePermissions("delete:orders"))(deleteOrder)))
//
// A token without them gets 403 insufficient_scope, like a missing scope.
//
// # Many domains
//
// For several custom domains of one tenant (Auth0's multiple custom
// domains), or many tenants, give Resolver's provider.Resolver to
// provider.VerifierConfig.Tenants: the Verifier then learns a domain from
// its first token. ResolverConfig.Domain, typically a database query, is
// asked only about a well-formed issuer https://<host>/ of the shape
// Auth0 writes; anything else is refused without a call.
//
// The Providers of New and Resolver are immutable and safe for concurrent
// use.
package auth0

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/jwtguard/jwtguard/internal/claimcheck"
	"github.com/jwtguard/jwtguard/internal/jwa"
	"github.com/jwtguard/jwtguard/internal/reasons"
	"github.com/jwtguard/jwtguard/provider"
)

// Config configures an Auth0 tenant.
type Config struct {
	// Domain of the tenant or its custom domain, e.g. "example.eu.auth0.com"
	// or "https://login.example.com/". Required.
	Domain string
	// Audiences are the API identifiers whose tokens are accepted.
	// Required.
	Audiences []string
	// Algorithms accepted. If nil, RS256 (Auth0's default; PS256 is the
	// other asymmetric choice it offers).
	Algorithms []string
	// RFC9068 accepts only tokens of the API's RFC 9068 token dialect
	// (typ "at+jwt"; set the dialect to rfc9068_profile in the API's
	// settings), so that an ID token of the tenant cannot pass for an
	// access token even where its aud matches.
	RFC9068 bool
	// Organizations, if set, accept only tokens issued for one of these
	// Auth0 Organizations (ids such as "org_W6kv2QnPbr7Ujjhj"): the
	// token's org_id must be one of them, else provider.ErrInvalidToken
	// with reason "claims" (so is a token issued outside any
	// organization). For the organization of
	// each request (its host or path, found by an earlier middleware), set
	// provider.TenantsConfig.Partition to the request's organization and
	// have the Resolver (ResolverConfig.Domain, given the request's
	// context) return a Config whose Organizations is that one.
	Organizations []string
}

// tenant is an Auth0 tenant's provider.Provider.
type tenant struct {
	domain    string
	audiences []string
	algs      []string
	rfc9068   bool
	orgs      []string
}

// New validates cfg and returns the tenant's Provider. Its issuer is
// https://<domain>/, with the trailing slash Auth0 writes in iss; its
// keys are at https://<domain>/.well-known/jwks.json; it accepts
// Config.Algorithms; and its Validate requires the typ at+jwt (if
// Config.RFC9068 is set), an aud containing one of Audiences, and an org_id among
// Organizations, if any.
func New(cfg Config) (provider.Provider, error) {
	d, err := Domain(cfg.Domain)
	if err != nil {
		return nil, err
	}
	if len(cfg.Audiences) == 0 || slices.Contains(cfg.Audiences, "") {
		return nil, errors.New("auth0: Config.Audiences must name at least one API audience, none empty")
	}
	if err := jwa.Check(cfg.Algorithms); err != nil {
		return nil, fmt.Errorf("auth0: Config.Algorithms: %w", err)
	}
	if slices.Contains(cfg.Organizations, "") {
		return nil, errors.New("auth0: Config.Organizations: none may be empty")
	}
	return &tenant{
		domain:    d,
		audiences: slices.Clone(cfg.Audiences),
		algs:      slices.Clone(cfg.Algorithms),
		rfc9068:   cfg.RFC9068,
		orgs:      slices.Clone(cfg.Organizations),
	}, nil
}

// Domain normalizes a tenant domain given as "host", "host/",
// "https://host" or "https://host/" to "host" (lower case; the default
// port 443 dropped, another port kept). Anything else (another scheme, a
// path, a query or fragment, even empty, user info, a trailing dot) is an
// error.
func Domain(s string) (string, error) {
	raw := s
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "", fmt.Errorf("auth0: domain %q: %w", raw, err)
	case u.Scheme != "https":
		return "", fmt.Errorf("auth0: domain %q: Auth0 is served over https only", raw)
	case u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || strings.ContainsAny(s, "?#"):
		return "", fmt.Errorf("auth0: domain %q: want a host name such as example.eu.auth0.com", raw)
	}
	host := strings.ToLower(u.Host)
	// Auth0 puts neither the default port nor a trailing dot in iss: with
	// them the issuer would never match.
	host = strings.TrimSuffix(host, ":443")
	if strings.HasSuffix(host, ".") || strings.Contains(host, ".:") {
		return "", fmt.Errorf("auth0: domain %q: remove the trailing dot", raw)
	}
	return host, nil
}

func (p *tenant) Issuer() string { return "https://" + p.domain + "/" }

func (p *tenant) JWKSURL() string { return "https://" + p.domain + "/.well-known/jwks.json" }

func (p *tenant) Algorithms() []string { return slices.Clone(p.algs) }

// Validate checks the typ (if Config.RFC9068 is set), that aud contains a configured
// audience, and that org_id is one of the Organizations, if any.
func (p *tenant) Validate(c *provider.Claims) error {
	if p.rfc9068 {
		if err := claimcheck.Type(c.Type(), "at+jwt"); err != nil {
			return err
		}
	}
	if err := claimcheck.Audience(c, p.audiences); err != nil {
		return err
	}
	if len(p.orgs) > 0 {
		org, ok := c.LookupString("org_id")
		if !ok {
			return fmt.Errorf("%w: no organization (org_id)", reasons.Claims)
		}
		if !slices.Contains(p.orgs, org) {
			return fmt.Errorf("%w: organization (org_id) %q", reasons.Claims, org)
		}
	}
	return nil
}

// MachineToMachine reports whether c is a client-credentials token: its
// gty claim (Auth0's grant type) is "client-credentials".
func MachineToMachine(c *provider.Claims) bool {
	gty, _ := c.LookupString("gty")
	return gty == "client-credentials"
}

// Organization returns the Auth0 Organization c was issued for (its
// org_id claim), or "" if none (or org_id is not a string).
func Organization(c *provider.Claims) string {
	org, _ := c.LookupString("org_id")
	return org
}
