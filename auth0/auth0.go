// Package auth0 verifies tokens issued by an Auth0 tenant.
//
// New turns a domain (tenant.eu.auth0.com, or a custom domain) into the
// issuer https://<domain>/ — with the trailing slash Auth0 puts in iss —
// and the JWKS URL https://<domain>/.well-known/jwks.json, and checks that
// the token's aud (a string or an array) contains a configured API
// audience. Scopes (scope) and RBAC permissions (permissions) are in the
// verified provider.Claims; MachineToMachine tells client-credentials
// tokens apart.
//
// A Provider is immutable and safe for concurrent use.
package auth0

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/jwtguard/jwtguard/internal/jwa"
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
}

// Provider is an Auth0 tenant; it implements provider.Provider.
type Provider struct {
	domain    string
	audiences []string
	algs      []string
	rfc9068   bool
}

var _ provider.Provider = (*Provider)(nil)

// New validates cfg and returns the tenant's Provider.
func New(cfg Config) (*Provider, error) {
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
	return &Provider{domain: d, audiences: slices.Clone(cfg.Audiences), algs: slices.Clone(cfg.Algorithms), rfc9068: cfg.RFC9068}, nil
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

// Issuer implements provider.Provider: https://<domain>/.
func (p *Provider) Issuer() string { return "https://" + p.domain + "/" }

// JWKSURL implements provider.Provider.
func (p *Provider) JWKSURL() string { return "https://" + p.domain + "/.well-known/jwks.json" }

// TokenURL is the tenant's OAuth 2.0 token endpoint.
func (p *Provider) TokenURL() string { return tokenURL(p.domain) }

// Algorithms implements provider.Provider.
func (p *Provider) Algorithms() []string { return slices.Clone(p.algs) }

// Validate implements provider.Provider: aud must contain a configured
// audience.
func (p *Provider) Validate(c *provider.Claims) error {
	if p.rfc9068 {
		if err := provider.CheckType(c, "at+jwt"); err != nil {
			return err
		}
	}
	return provider.CheckAudience(c, p.audiences)
}

// MachineToMachine reports whether c is a client-credentials token (Auth0's
// gty claim).
func MachineToMachine(c *provider.Claims) bool { return c.GrantType() == "client-credentials" }
