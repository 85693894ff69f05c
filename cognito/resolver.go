package cognito

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jwtguard/jwtguard/provider"
)

// ResolverConfig configures a provider.Resolver for many user pools: one
// per customer of a service, say, onboarded while it runs.
type ResolverConfig struct {
	// Regions the pools may be in, e.g. "eu-west-1". Required unless
	// Endpoint is set; with Endpoint, if set, a pool id must be of one of
	// them (<region>_<id>) too.
	Regions []string
	// Pool returns the Config of the user pool poolID — its ClientIDs,
	// TokenUse, RequiredGroups — or false if the pool is not one of yours.
	// Region, UserPoolID, Endpoint and InsecureAllowHTTP of the Config it
	// returns are set by the resolver. It is called only for a well-formed
	// pool id of an allowed region. Required.
	Pool func(ctx context.Context, poolID string) (Config, bool, error)
	// Endpoint overrides the issuer base URL, as in Config, for
	// cognito-local and tests: the issuer of a pool is
	// Endpoint/<poolId>. Leave it empty for AWS.
	Endpoint string
	// InsecureAllowHTTP allows an Endpoint over plain http off loopback,
	// as in Config.
	InsecureAllowHTTP bool
}

// Resolver validates cfg and returns a provider.Resolver of the pools
// cfg.Pool accepts, for provider.TenantsConfig.Resolver. It looks up only
// an issuer exactly https://cognito-idp.<region>.amazonaws.com/<poolId>
// (Endpoint/<poolId> with an Endpoint) of a pool id of one of Regions;
// any other issuer is refused without a call.
func Resolver(cfg ResolverConfig) (provider.Resolver, error) {
	if cfg.Pool == nil {
		return nil, errors.New("cognito: ResolverConfig.Pool is required")
	}
	for _, r := range cfg.Regions {
		if !regionRE.MatchString(r) {
			return nil, fmt.Errorf("cognito: ResolverConfig.Regions: %q is not an AWS region", r)
		}
	}
	res := &resolver{regions: slices.Clone(cfg.Regions), pool: cfg.Pool, endpoint: cfg.Endpoint, insecure: cfg.InsecureAllowHTTP}
	if cfg.Endpoint == "" {
		if len(cfg.Regions) == 0 {
			return nil, errors.New("cognito: ResolverConfig.Regions is required (e.g. \"eu-west-1\"), or ResolverConfig.Endpoint for a stand-in")
		}
	} else {
		base, err := endpointBase(cfg.Endpoint, cfg.InsecureAllowHTTP, "ResolverConfig")
		if err != nil {
			return nil, err
		}
		res.base = base + "/"
	}
	return res.resolve, nil
}

// resolver resolves the pools of a ResolverConfig.
type resolver struct {
	regions  []string
	pool     func(context.Context, string) (Config, bool, error)
	endpoint string
	insecure bool
	base     string // Endpoint with one trailing slash; "" for AWS
}

// resolve is the provider.Resolver of r.
func (r *resolver) resolve(ctx context.Context, issuer string) (provider.Provider, error) {
	region, poolID, ok := r.parse(issuer)
	if !ok {
		return nil, nil
	}
	cfg, ok, err := r.pool(ctx, poolID)
	if err != nil {
		return nil, fmt.Errorf("cognito: ResolverConfig.Pool(%q): %w", poolID, err)
	}
	if !ok {
		return nil, nil
	}
	cfg.Region, cfg.UserPoolID, cfg.Endpoint, cfg.InsecureAllowHTTP = region, poolID, r.endpoint, r.insecure
	p, err := New(cfg)
	if err != nil {
		return nil, fmt.Errorf("cognito: the Config ResolverConfig.Pool returned for %q: %w", poolID, err)
	}
	return p, nil
}

// maxIssuerBytes bounds the issuers parsed: AWS pool ids are at most 55
// characters, and an Endpoint is a short URL.
const maxIssuerBytes = 256

// parse returns the region and pool id of issuer if it is the issuer of a
// pool of one of r's regions, in the exact form New gives it; region is
// empty with an Endpoint.
func (r *resolver) parse(issuer string) (region, poolID string, ok bool) {
	if len(issuer) > maxIssuerBytes {
		return "", "", false
	}
	if r.base != "" {
		id, found := strings.CutPrefix(issuer, r.base)
		if !found || !idRE.MatchString(id) {
			return "", "", false
		}
		if len(r.regions) > 0 && !slices.ContainsFunc(r.regions, func(reg string) bool { return inRegion(id, reg) }) {
			return "", "", false
		}
		return "", id, true
	}
	for _, reg := range r.regions {
		if id, found := strings.CutPrefix(issuer, awsIssuer(reg, "")); found && inRegion(id, reg) {
			return reg, id, true
		}
	}
	return "", "", false
}
