package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/jwtguard/jwtguard/internal/claimcheck"
	"github.com/jwtguard/jwtguard/internal/jwa"
	"github.com/jwtguard/jwtguard/internal/safehttp"
)

// OIDCConfig configures a generic OpenID Connect provider.
type OIDCConfig struct {
	// Issuer is the exact iss of the tokens. Required.
	Issuer string
	// JWKSURL is where the keys are. If empty, it is discovered from
	// Issuer + "/.well-known/openid-configuration", whose issuer must equal
	// Issuer exactly.
	JWKSURL string
	// Audiences: the token's aud must contain one of them. Required unless
	// InsecureSkipAudienceCheck is set.
	Audiences []string
	// InsecureSkipAudienceCheck accepts tokens for any audience: any client
	// of the issuer could then call you with its tokens. Leave it off unless
	// your own rule (Validate) checks the audience.
	InsecureSkipAudienceCheck bool
	// Algorithms accepted. If nil, RS256.
	Algorithms []string
	// Type, if set, is the typ header the tokens must carry, a media type
	// compared as RFC 7515 §4.1.9 says (without case, and without an
	// "application/" prefix): "at+jwt" accepts only RFC 9068 access
	// tokens, so an ID token of the issuer cannot be replayed as an access
	// token.
	Type string
	// Validate is an extra rule applied after the audience check. Optional.
	// Its verdict is cached with the token, like the rest of
	// verification (see Provider.Validate).
	Validate func(*Claims) error
	// HTTPClient is used for discovery. If nil, http.DefaultClient is used.
	HTTPClient *http.Client
	// InsecureAllowHTTP allows plain http on any host — discovery and the
	// key fetches — for a stand-in on a private network (it is allowed on
	// loopback anyway). Never set it for a real issuer.
	InsecureAllowHTTP bool
}

// oidc is a generic OpenID Connect Provider.
type oidc struct {
	cfg OIDCConfig
}

// NewOIDC validates cfg and returns the issuer's Provider: a generic
// OpenID Connect one. Its issuer is cfg.Issuer, and its keys are at
// cfg.JWKSURL or, when that is empty, at the jwks_uri NewOIDC discovers
// (ctx bounds that request); it accepts cfg.Algorithms; and its Validate
// checks the typ (with cfg.Type), the audience, then cfg.Validate.
func NewOIDC(ctx context.Context, cfg OIDCConfig) (Provider, error) {
	if cfg.Issuer == "" {
		return nil, errors.New("provider: OIDCConfig.Issuer is required")
	}
	if len(cfg.Audiences) == 0 && !cfg.InsecureSkipAudienceCheck {
		return nil, errors.New("provider: OIDCConfig.Audiences is required (or set InsecureSkipAudienceCheck)")
	}
	if slices.Contains(cfg.Audiences, "") {
		// An unset environment variable would otherwise accept aud "".
		return nil, errors.New("provider: OIDCConfig.Audiences holds an empty audience")
	}
	if err := jwa.Check(cfg.Algorithms); err != nil {
		return nil, fmt.Errorf("provider: OIDCConfig.Algorithms: %w", err)
	}
	if strings.ContainsFunc(cfg.Type, func(r rune) bool { return r <= ' ' || r > '~' }) {
		return nil, fmt.Errorf("provider: OIDCConfig.Type %q is not a media type", cfg.Type)
	}
	cfg.Audiences = slices.Clone(cfg.Audiences)
	cfg.Algorithms = slices.Clone(cfg.Algorithms)
	if cfg.JWKSURL == "" {
		u, err := discover(ctx, cfg.HTTPClient, cfg.Issuer, cfg.InsecureAllowHTTP)
		if err != nil {
			return nil, err
		}
		cfg.JWKSURL = u
	} else if _, err := safehttp.CheckURL(cfg.JWKSURL, cfg.InsecureAllowHTTP, "OIDCConfig.InsecureAllowHTTP"); err != nil {
		return nil, fmt.Errorf("provider: OIDCConfig.JWKSURL: %w", err)
	}
	return &oidc{cfg: cfg}, nil
}

func (p *oidc) Issuer() string { return p.cfg.Issuer }

// PlainHTTP implements PlainHTTP: InsecureAllowHTTP.
func (p *oidc) PlainHTTP() bool { return p.cfg.InsecureAllowHTTP }

func (p *oidc) JWKSURL() string { return p.cfg.JWKSURL }

func (p *oidc) Algorithms() []string { return slices.Clone(p.cfg.Algorithms) }

// Validate checks the type, the audience, then the configured rule.
func (p *oidc) Validate(c *Claims) error {
	if p.cfg.Type != "" {
		if err := claimcheck.Type(c.Type(), p.cfg.Type); err != nil {
			return err
		}
	}
	if !p.cfg.InsecureSkipAudienceCheck {
		if err := claimcheck.Audience(c, p.cfg.Audiences); err != nil {
			return err
		}
	}
	if p.cfg.Validate != nil {
		return p.cfg.Validate(c)
	}
	return nil
}

// maxDiscoveryBytes caps a discovery document.
const maxDiscoveryBytes = 256 << 10

// discoveryTimeout bounds discovery when ctx has no deadline.
const discoveryTimeout = 10 * time.Second

// discover fetches issuer's OpenID configuration and returns its jwks_uri.
// The document's issuer must equal issuer exactly, and jwks_uri must be
// https — http only for an http issuer on loopback, or anywhere with
// insecure. Without a deadline in ctx, discovery gets 10 seconds.
func discover(ctx context.Context, client *http.Client, issuer string, insecure bool) (string, error) {
	u := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	iu, err := safehttp.CheckURL(u, insecure, "OIDCConfig.InsecureAllowHTTP")
	if err != nil {
		return "", fmt.Errorf("provider: discovery: %w", err)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, discoveryTimeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", fmt.Errorf("provider: discovery: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := safehttp.Client(client).Do(req)
	if err != nil {
		return "", fmt.Errorf("provider: discovery: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("provider: discovery: %s answered HTTP %d", u, resp.StatusCode)
	}
	body, err := safehttp.ReadBody(resp.Body, maxDiscoveryBytes)
	if err != nil {
		return "", fmt.Errorf("provider: discovery: %w", err)
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", fmt.Errorf("provider: discovery: %s: %w", u, err)
	}
	if doc.Issuer != issuer {
		return "", fmt.Errorf("provider: discovery: document issuer %q does not match %q", doc.Issuer, issuer)
	}
	ju, err := safehttp.CheckURL(doc.JWKSURI, insecure, "OIDCConfig.InsecureAllowHTTP")
	if err != nil {
		return "", fmt.Errorf("provider: discovery: jwks_uri: %w", err)
	}
	if iu.Scheme == "https" && ju.Scheme != "https" && !insecure {
		// An https issuer must not send the key fetch to plain http, even
		// on loopback (a local service the document names).
		return "", fmt.Errorf("provider: discovery: jwks_uri %q of an https issuer is not https", doc.JWKSURI)
	}
	return doc.JWKSURI, nil
}

// OIDCResolver returns a Resolver for the OpenID Connect issuers lookup
// accepts: lookup(ctx, issuer) returns issuer's OIDCConfig (its
// Audiences, its JWKSURL or none to discover it, …; Issuer is set to
// issuer) or false if issuer is not one of yours. Only an issuer that is
// an http or https URL with a host, and without user info, query or
// fragment, is looked up: anything else is refused without a call.
// Discovery, when the config has no JWKSURL, runs in the Resolver call,
// bounded by its context: one request per new tenant.
func OIDCResolver(lookup func(ctx context.Context, issuer string) (OIDCConfig, bool, error)) Resolver {
	return func(ctx context.Context, issuer string) (Provider, error) {
		u, err := url.Parse(issuer)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
			u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.Opaque != "" {
			return nil, nil
		}
		cfg, ok, err := lookup(ctx, issuer)
		if err != nil || !ok {
			return nil, err
		}
		cfg.Issuer = issuer
		p, err := NewOIDC(ctx, cfg)
		if err != nil {
			return nil, err
		}
		return p, nil
	}
}
