// Package cognito verifies tokens issued by an Amazon Cognito user pool.
//
// New turns a region and user pool id into the pool's issuer
// (https://cognito-idp.<region>.amazonaws.com/<poolId>) and JWKS URL, and
// applies Cognito's rules: token_use must be the configured one, an access
// token's client_id and an ID token's aud must be one of the app clients,
// and the token must carry the required groups. Keys,
// signatures and lifetimes are the provider package's business.
//
// TokenUseOf reads a verified token's token_use (AccessToken or IDToken),
// for a handler behind a pool whose Config.TokenUse is AnyToken. Groups
// (cognito:groups) are read by provider.Claims.Groups and guarded by
// middleware.RequireGroups, under the rule every issuer shares.
//
// # Local stand-ins
//
// In unit tests, issuertest.NewCognito stands in for a pool: its issuer,
// its keys and tokens shaped like the pool's (CognitoToken). For
// end-to-end runs, cognito-local (npm cognito-local) issues real tokens;
// script it with the AWS CLI, whose cognito-idp commands are the same
// JSON API calls:
//
//	HOST=127.0.0.1 PORT=9229 npx cognito-local &
//	export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local   # any will do
//	aws() { command aws --endpoint-url http://127.0.0.1:9229 --region local cognito-idp "$@"; }
//	aws create-user-pool --pool-name dev                       # Id: local_…
//	aws create-user-pool-client --user-pool-id local_… --client-name app \
//		--explicit-auth-flows ALLOW_USER_PASSWORD_AUTH               # ClientId
//	aws admin-create-user --user-pool-id local_… --username alice@example.com \
//		--message-action SUPPRESS --user-attributes Name=email,Value=alice@example.com
//	aws admin-set-user-password --user-pool-id local_… --username alice@example.com --password 'Passw0rd!' --permanent
//	aws create-group --user-pool-id local_… --group-name admin
//	aws admin-add-user-to-group --user-pool-id local_… --username alice@example.com --group-name admin
//	aws initiate-auth --client-id <ClientId> --auth-flow USER_PASSWORD_AUTH \
//		--auth-parameters USERNAME=alice@example.com,PASSWORD='Passw0rd!'   # AccessToken, IdToken
//
// and give the pool Endpoint "http://127.0.0.1:9229" (cognito-local puts
// HOST:PORT in iss: use the same host and port). In Docker Compose, use
// Endpoint "http://cognito-local:9229" with InsecureAllowHTTP. The
// repository's end-to-end tests drive it the same way (cognitolocal_test.go,
// examples/cognito).
//
// # Many pools
//
// A service whose customers each have their own user pool gives
// Resolver's provider.Resolver to provider.VerifierConfig.Tenants: the
// Verifier then learns a pool from its first token. ResolverConfig.Pool,
// typically a database query, is asked only about an issuer of the shape
// of a pool of the allowed regions (or of the Endpoint); anything else is
// refused without a call.
//
// The Providers of New and Resolver are immutable and safe for concurrent
// use.
package cognito

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/jwtguard/jwtguard/internal/claimcheck"
	"github.com/jwtguard/jwtguard/internal/reasons"
	"github.com/jwtguard/jwtguard/internal/safehttp"
	"github.com/jwtguard/jwtguard/provider"
)

// TokenUse is the kind of token accepted.
type TokenUse string

const (
	// AccessToken accepts access tokens (token_use "access").
	AccessToken TokenUse = "access"
	// IDToken accepts ID tokens (token_use "id").
	IDToken TokenUse = "id"
	// AnyToken accepts both kinds, each under its own rule.
	AnyToken TokenUse = "any"
)

// Config configures a Cognito user pool.
type Config struct {
	// Region of the pool, e.g. "eu-west-1". Required unless Endpoint is
	// set.
	Region string
	// UserPoolID, e.g. "eu-west-1_AbCdEf123". Required; it must start with
	// the region unless Endpoint is set.
	UserPoolID string
	// ClientIDs are the app clients whose tokens are accepted. Required.
	ClientIDs []string
	// TokenUse is AccessToken, IDToken or AnyToken. Required: there is no
	// default that silently accepts both.
	TokenUse TokenUse
	// RequiredGroups: the token must hold every one of them (else
	// provider.ErrInsufficientScope, a 403), by the rule of
	// middleware.RequireGroups: cognito:groups, or groups — which a
	// pre-token-generation trigger may add — if the token has no
	// cognito:groups. Optional; a route's own
	// groups belong in middleware.RequireGroups.
	RequiredGroups []string
	// Endpoint overrides the issuer base URL, for cognito-local and tests
	// (e.g. "http://127.0.0.1:9229"); the issuer is Endpoint/<UserPoolID>.
	// Leave it empty for AWS.
	Endpoint string
	// InsecureAllowHTTP allows an Endpoint over plain http off loopback
	// (e.g. "http://cognito-local:9229" in Docker Compose), for the
	// issuer and the key fetches. Plain http on loopback needs no setting.
	InsecureAllowHTTP bool
}

// pool is a Cognito user pool's provider.Provider.
type pool struct {
	issuer    string
	clientIDs []string
	use       TokenUse
	groups    []string
	plainHTTP bool
}

var (
	regionRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d$`)
	poolRE   = regexp.MustCompile(`^([a-z]{2}(-[a-z]+)+-\d)_[0-9A-Za-z]+$`)
	// idRE is what cognito-local and other stand-ins use: <prefix>_<id>.
	idRE = regexp.MustCompile(`^[\w-]+_[0-9A-Za-z]+$`)
)

// New validates cfg and returns the pool's Provider. Its issuer is
// https://cognito-idp.<region>.amazonaws.com/<poolId>, or
// Endpoint/<poolId> with an Endpoint; its keys are at
// <issuer>/.well-known/jwks.json, fetched over plain http off loopback
// only with an Endpoint and InsecureAllowHTTP; it accepts RS256, which
// Cognito signs with; and its Validate applies Cognito's rules (see the
// package documentation).
func New(cfg Config) (provider.Provider, error) {
	switch cfg.TokenUse {
	case AccessToken, IDToken, AnyToken:
	case "":
		return nil, errors.New("cognito: Config.TokenUse is required (AccessToken, IDToken or AnyToken)")
	default:
		return nil, fmt.Errorf("cognito: Config.TokenUse %q: want %q, %q or %q", cfg.TokenUse, AccessToken, IDToken, AnyToken)
	}
	if len(cfg.ClientIDs) == 0 || slices.Contains(cfg.ClientIDs, "") {
		return nil, errors.New("cognito: Config.ClientIDs must name at least one app client, none empty")
	}
	var issuer string
	if cfg.Endpoint == "" {
		if cfg.Region == "" {
			return nil, errors.New("cognito: Config.Region is required (e.g. \"eu-west-1\"), or Config.Endpoint for a stand-in")
		}
		if !regionRE.MatchString(cfg.Region) {
			return nil, fmt.Errorf("cognito: Config.Region %q is not an AWS region", cfg.Region)
		}
		if !inRegion(cfg.UserPoolID, cfg.Region) {
			return nil, fmt.Errorf("cognito: Config.UserPoolID %q: want <region>_<id> in region %q", cfg.UserPoolID, cfg.Region)
		}
		issuer = awsIssuer(cfg.Region, cfg.UserPoolID)
	} else {
		if !idRE.MatchString(cfg.UserPoolID) {
			return nil, fmt.Errorf("cognito: Config.UserPoolID %q: want <prefix>_<id>", cfg.UserPoolID)
		}
		base, err := endpointBase(cfg.Endpoint, cfg.InsecureAllowHTTP, "Config")
		if err != nil {
			return nil, err
		}
		issuer = base + "/" + cfg.UserPoolID
	}
	return &pool{
		issuer:    issuer,
		clientIDs: slices.Clone(cfg.ClientIDs),
		use:       cfg.TokenUse,
		groups:    slices.Clone(cfg.RequiredGroups),
		plainHTTP: cfg.InsecureAllowHTTP && cfg.Endpoint != "",
	}, nil
}

// inRegion reports whether poolID is an AWS pool id of region:
// <region>_<id>.
func inRegion(poolID, region string) bool {
	m := poolRE.FindStringSubmatch(poolID)
	return m != nil && m[1] == region
}

// awsIssuer is the issuer of the AWS pool poolID of region.
func awsIssuer(region, poolID string) string {
	return "https://cognito-idp." + region + ".amazonaws.com/" + poolID
}

// endpointBase checks a stand-in's endpoint and returns it without its
// trailing slash: the issuer of a pool is base/<poolId>. config names the
// struct it is set in ("Config"), for errors.
func endpointBase(endpoint string, insecure bool, config string) (string, error) {
	base := strings.TrimSuffix(endpoint, "/")
	u, err := safehttp.CheckURL(base, insecure, config+".InsecureAllowHTTP")
	if err != nil {
		return "", fmt.Errorf("cognito: %s.Endpoint: %w", config, err)
	}
	if u.RawQuery != "" || u.ForceQuery {
		return "", fmt.Errorf("cognito: %s.Endpoint %q: want a base URL without a query", config, endpoint)
	}
	return base, nil
}

func (p *pool) Issuer() string { return p.issuer }

// PlainHTTP implements provider.PlainHTTP: Config.InsecureAllowHTTP, with
// an Endpoint.
func (p *pool) PlainHTTP() bool { return p.plainHTTP }

func (p *pool) JWKSURL() string { return p.issuer + "/.well-known/jwks.json" }

func (p *pool) Algorithms() []string { return []string{"RS256"} }

// TokenUseOf returns c's token_use claim: AccessToken ("access") or
// IDToken ("id") for a Cognito token, else the claim as it is; "" if c has
// no token_use or it is not a string. It is what the Provider of New checks: on
// claims a Verifier returns for a pool, it is AccessToken or IDToken (the
// configured one, unless Config.TokenUse is AnyToken).
func TokenUseOf(c *provider.Claims) TokenUse {
	use, _ := c.LookupString("token_use")
	return TokenUse(use)
}

// Validate applies Cognito's rules.
func (p *pool) Validate(c *provider.Claims) error {
	use := TokenUseOf(c)
	if use != AccessToken && use != IDToken {
		return fmt.Errorf("%w: %q", reasons.TokenUse, use)
	}
	if p.use != AnyToken && use != p.use {
		return fmt.Errorf("%w: got %q, want %q", reasons.TokenUse, use, p.use)
	}
	if use == AccessToken {
		// Access tokens carry the app client in client_id (exactly that
		// claim: not azp, which Claims.ClientID falls back to) and no aud.
		id, _ := c.LookupString("client_id")
		if !slices.Contains(p.clientIDs, id) {
			return fmt.Errorf("%w: client_id %q", reasons.Client, id)
		}
	} else if err := claimcheck.Audience(c, p.clientIDs); err != nil {
		// ID tokens carry the app client in aud.
		return err
	}
	for _, g := range p.groups {
		// The one group rule, middleware.RequireGroups's: cognito:groups,
		// or groups if the token has no cognito:groups.
		if !c.HasGroup(g) {
			return fmt.Errorf("%w: %q", reasons.MissingGroup, g)
		}
	}
	return nil
}
