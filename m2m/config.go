package m2m

import (
	"crypto"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/safehttp"
	"github.com/jwtguard/jwtguard/internal/scope"
)

// Defaults of Config and ProxyConfig, documented on their fields.
const (
	defaultThreshold       = 0.8
	defaultAssumedLifetime = 5 * time.Minute
	defaultTimeout         = 30 * time.Second
)

// Config configures a TokenSource. It is plain data: a zero field means
// the documented default, and New validates it once.
type Config struct {
	// TokenURL is the token endpoint, e.g. auth0.TokenURL(domain).
	// Required. It must be https, or http on a loopback address, unless
	// InsecureAllowHTTP is set.
	TokenURL string
	// ClientID and ClientSecret are the client's credentials. Required.
	ClientID     string
	ClientSecret string
	// Audience is sent as the audience parameter (Auth0's API
	// identifier). Optional.
	Audience string
	// Resource is sent as resource parameters (RFC 8707): the absolute
	// URIs of the APIs the token is for, for issuers that use them
	// instead of Audience (an RFC 8707 issuer answers a request without
	// one with a token for its default audience). Optional.
	Resource []string
	// Scopes requested, sent space-separated as scope. Optional.
	Scopes []string
	// DPoPKey, if set, binds the tokens to this key (RFC 9449): every token
	// request carries a DPoP proof made with it (answering the endpoint's
	// nonce once), the endpoint must answer token_type DPoP, and sources
	// with another key never share the token. Send requests with
	// TokenSource.Transport, which proves the key. An EC (P-256, P-384, P-521),
	// Ed25519 or RSA private key. TokenURL must be the token endpoint
	// itself: the proofs name it, and the proxy forwards DPoP requests as
	// they are.
	DPoPKey crypto.Signer
	// EndpointParams are further parameters of the token request. They
	// must not set grant_type, scope, audience, resource, client_id or
	// client_secret.
	EndpointParams url.Values
	// AuthStyle says how the credentials are sent. If zero, the first
	// request tries HTTP Basic and then the body, and the style that
	// worked is kept; a rejected request is then sent twice. Auth0 takes
	// either: oauth2.AuthStyleInParams sends one request per attempt.
	AuthStyle oauth2.AuthStyle

	// Threshold is the refresh margin: the fraction of a token's lifetime
	// after which it is replaced in the background; it must be in (0,1).
	// If zero, 0.8.
	Threshold float64
	// AssumedLifetime is how long a token whose answer had no expires_in
	// is kept. If zero, 5 minutes, short enough for any provider we know
	// of. An answer whose expires_in is zero or negative is not a token
	// without lifetime but an expired one: it is refused with
	// ErrUnavailable.
	AssumedLifetime time.Duration
	// Store keeps the token, and shares it with the other sources of the
	// same store: with m2m/redistoken, those of every process that uses
	// it. If nil, the token is kept in the source's own memory (the
	// goroutines of a process share one token by sharing the source).
	Store Store

	// HTTPClient makes the token requests. If nil, http.DefaultClient is
	// used. Its redirect policy is wrapped: redirects to another host or
	// from https to http are refused.
	HTTPClient *http.Client
	// Timeout bounds one refresh: waiting for another process's mint and
	// the token request. If zero, 30 seconds.
	Timeout time.Duration
	// InsecureAllowHTTP allows a plain http TokenURL on any host. Never set
	// it in production: the client secret would cross the network in
	// clear.
	InsecureAllowHTTP bool

	// Name identifies the source in metrics (a label value). If empty,
	// Audience is used.
	Name string
	// Metrics counts refreshes, tokens served and the quota the endpoint
	// declares (Auth0's quota headers): a *metrics.Collector (package
	// metrics). If nil, nothing is counted.
	Metrics observe.Source
	// Logger receives failed refreshes at warn and refreshes at debug. If
	// nil, nothing is logged.
	Logger *slog.Logger
}

// reserved are the parameters a TokenSource sets itself.
var reserved = []string{"grant_type", "scope", "audience", "resource", "client_id", "client_secret"}

// withDefaults returns c with zero fields set to their defaults, or an
// error naming the first invalid field.
func (c Config) withDefaults() (Config, error) {
	err := common{
		typ: "Config", tokenURL: c.TokenURL, insecure: c.InsecureAllowHTTP,
		threshold: &c.Threshold, assumed: &c.AssumedLifetime, timeout: &c.Timeout,
		logger: &c.Logger,
	}.check()
	if err != nil {
		return c, err
	}
	if c.ClientID == "" || c.ClientSecret == "" {
		return c, errors.New("m2m: Config.ClientID and Config.ClientSecret are required")
	}
	for k := range c.EndpointParams {
		if slices.Contains(reserved, k) {
			return c, fmt.Errorf("m2m: Config.EndpointParams must not set %q", k)
		}
	}
	if err := checkDPoPKey(c.DPoPKey); err != nil {
		return c, err
	}
	for _, s := range c.Scopes {
		if !scope.Valid(s) {
			return c, fmt.Errorf("m2m: Config.Scopes: %q is not one scope (RFC 6749 §3.3: printable ASCII, no space, quote or backslash; give each scope on its own)", s)
		}
	}
	for _, r := range c.Resource {
		if u, err := url.Parse(r); err != nil || !u.IsAbs() || u.Fragment != "" || strings.Contains(r, "#") {
			return c, fmt.Errorf("m2m: Config.Resource %q: want an absolute URI without a fragment (RFC 8707)", r)
		}
	}
	c.Scopes = slices.Clone(c.Scopes)
	c.Resource = slices.Clone(c.Resource)
	c.EndpointParams = cloneValues(c.EndpointParams)
	if c.Name == "" {
		c.Name = c.Audience
	}
	return c, nil
}

// common points at the fields that Config and ProxyConfig share, for
// check.
type common struct {
	typ       string // "Config" or "ProxyConfig", for errors
	tokenURL  string
	insecure  bool
	threshold *float64
	assumed   *time.Duration
	timeout   *time.Duration
	logger    **slog.Logger
}

// check validates the shared fields, naming the first invalid one in its
// error, and sets the zero ones to their defaults.
func (c common) check() error {
	if c.tokenURL == "" {
		return fmt.Errorf("m2m: %s.TokenURL is required", c.typ)
	}
	if _, err := safehttp.CheckURL(c.tokenURL, c.insecure, c.typ+".InsecureAllowHTTP"); err != nil {
		return fmt.Errorf("m2m: %s.TokenURL: %w", c.typ, err)
	}
	if *c.threshold == 0 {
		*c.threshold = defaultThreshold
	}
	if t := *c.threshold; !(t > 0 && t < 1) || math.IsNaN(t) {
		return fmt.Errorf("m2m: %s.Threshold must be in (0,1) (got %v)", c.typ, t)
	}
	if *c.assumed < 0 || *c.timeout < 0 {
		return fmt.Errorf("m2m: %s.AssumedLifetime and %s.Timeout must not be negative", c.typ, c.typ)
	}
	if *c.assumed == 0 {
		*c.assumed = defaultAssumedLifetime
	}
	if *c.timeout == 0 {
		*c.timeout = defaultTimeout
	}
	if *c.logger == nil {
		*c.logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}
