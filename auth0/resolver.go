package auth0

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jwtguard/jwtguard/provider"
)

// ResolverConfig configures a provider.Resolver for Auth0 domains: several
// custom domains of one tenant (Auth0's multiple custom domains), or many
// tenants.
type ResolverConfig struct {
	// Domain returns the Config for domain — a host name such as
	// "login.example.com", as the token's issuer names it — or false if it
	// is not one of yours. Config.Domain is set by the resolver. Called
	// only for a well-formed issuer https://<host>/. Required.
	Domain func(ctx context.Context, domain string) (Config, bool, error)
}

// Resolver validates cfg and returns a provider.Resolver of the domains
// cfg.Domain accepts, for provider.TenantsConfig.Resolver. It looks up
// only an issuer exactly https://<host>/, as Auth0 writes it: host a
// lower-case DNS name of two labels or more, with no port, no trailing
// dot, and not an IP address; any other issuer is refused without a call.
func Resolver(cfg ResolverConfig) (provider.Resolver, error) {
	if cfg.Domain == nil {
		return nil, errors.New("auth0: ResolverConfig.Domain is required")
	}
	lookup := cfg.Domain
	return func(ctx context.Context, issuer string) (provider.Provider, error) {
		host, ok := issuerHost(issuer)
		if !ok {
			return nil, nil
		}
		cfg, ok, err := lookup(ctx, host)
		if err != nil {
			return nil, fmt.Errorf("auth0: ResolverConfig.Domain(%q): %w", host, err)
		}
		if !ok {
			return nil, nil
		}
		cfg.Domain = host
		p, err := New(cfg)
		if err != nil {
			return nil, fmt.Errorf("auth0: the Config ResolverConfig.Domain returned for %q: %w", host, err)
		}
		return p, nil
	}, nil
}

// issuerHost returns the host of issuer if issuer is https://<host>/ with
// host a lower-case DNS name: labels of a-z, 0-9 and '-' (not first or
// last), 1 to 63 long, at least two, 253 in all, the last not all digits.
func issuerHost(issuer string) (string, bool) {
	host, ok := strings.CutPrefix(issuer, "https://")
	if !ok {
		return "", false
	}
	if host, ok = strings.CutSuffix(host, "/"); !ok || len(host) > 253 {
		return "", false
	}
	labels := strings.Split(host, ".")
	if len(labels) < 2 {
		return "", false
	}
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return "", false
		}
		for i := range len(l) {
			if c := l[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
				return "", false
			}
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return "", false // an IPv4 address, or no top-level domain
	}
	return host, true
}
