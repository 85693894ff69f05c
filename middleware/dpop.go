package middleware

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/jwtguard/jwtguard/dpop"
	"github.com/jwtguard/jwtguard/internal/dpopcheck"
	"github.com/jwtguard/jwtguard/internal/jwa"
	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/reasons"
	"github.com/jwtguard/jwtguard/provider"
)

// DPoPMode says which tokens the middleware takes: bearer, DPoP-bound
// (RFC 9449), or both. Whatever the mode, a token bound to a key (cnf.jkt)
// is never accepted as a bearer token.
type DPoPMode int

const (
	// DPoPOff takes bearer tokens only ("Authorization: Bearer").
	DPoPOff DPoPMode = iota
	// DPoPAllowed takes both: a bearer token, or a bound token with
	// "Authorization: DPoP" and a proof — the step while clients move to
	// DPoP.
	DPoPAllowed
	// DPoPRequired takes bound tokens with their proof only.
	DPoPRequired
)

// DPoPConfig configures DPoP (RFC 9449): sender-constrained tokens, each
// request carrying a proof made with the key the token is bound to. A
// proof is checked as RFC 9449 §4.3 says — a JWS of typ dpop+jwt signed
// with one of Algorithms by the public key in its jwk header, htm and htu
// naming the request, iat within Window, ath the token's hash, and the
// server's nonce if NonceSecret is set — the token's cnf.jkt must name
// its key, and Replays must not know it. Refusals match
// dpop.ErrInvalidProof or dpop.ErrUseNonce (package dpop has the client
// side, NewProof).
type DPoPConfig struct {
	// Mode is DPoPOff (the zero value), DPoPAllowed or DPoPRequired.
	Mode DPoPMode
	// Algorithms are the proof algorithms accepted, which the DPoP
	// challenge announces (algs): asymmetric JWS algorithms only, copied
	// by New. If nil, ES256, ES384, ES512, EdDSA, PS256 and RS256 (never
	// "none" or HS*); an empty list is refused.
	Algorithms []string
	// Window is how old a proof may be (its iat): a captured proof is
	// refused after it, and a replay check remembers a proof for Window +
	// Leeway. If zero, a minute.
	Window time.Duration
	// Leeway is how far in the future a proof's iat may be (the clocks
	// of clients and replicas differ). If zero, 5 seconds.
	Leeway time.Duration
	// NonceSecret, if not nil, makes every proof carry a server nonce
	// (RFC 9449 §8), so that a proof made in advance is useless: one
	// without a current nonce is refused with error="use_dpop_nonce" and
	// a fresh nonce in a DPoP-Nonce header, one 401 per client per
	// NoncePeriod. A nonce is a time bucket and an HMAC of it under this
	// secret, so replicas share nonces without sharing state: give each
	// the same secret, 32 or more random bytes. If nil, proofs need no
	// nonce.
	NonceSecret []byte
	// NoncePeriod is how long a nonce is current; it is accepted during
	// its period and the next. A second or more, with NonceSecret only.
	// If zero, a minute.
	NoncePeriod time.Duration
	// Replays remembers the proofs accepted, so that each is accepted
	// once. If nil, a dpop.NewMemoryReplays(100 000) of this process;
	// dpop/redisreplay holds them for a fleet.
	Replays dpop.Replays
	// PublicURL is the scheme and host clients address the service by
	// (e.g. "https://api.example.com"), which the proofs' htu names: the
	// request's path is appended. Set it: it is the only way htu's scheme
	// and host are checked against something the client does not choose.
	// If empty, the request's own scheme and Host are used — the Host the
	// client sent — or, for a request from one of TrustedProxies, what
	// its X-Forwarded-Proto and X-Forwarded-Host (else Forwarded) headers
	// say.
	PublicURL string
	// TrustedProxies are the peers whose forwarding headers are believed.
	// Never a client's: by default, no one's. A proxy listed here must
	// set those headers itself, replacing what a client sent; one that
	// passes a client's header through (AWS ALB does not set
	// X-Forwarded-Host) lets the client choose: use PublicURL there.
	TrustedProxies []netip.Prefix
	// Metrics counts every DPoP check's outcome: a *metrics.Collector
	// (package metrics; New refuses any other). If nil, nothing is
	// counted.
	Metrics observe.Source
}

// defaultNoncePeriod is DPoPConfig.NoncePeriod's default.
const defaultNoncePeriod = time.Minute

// setDPoP checks d, of a mode other than DPoPOff, and sets m up for it.
func (m *Middleware) setDPoP(d DPoPConfig) error {
	if d.PublicURL != "" {
		if u, err := url.Parse(d.PublicURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" {
			return fmt.Errorf("middleware: Config.DPoP.PublicURL %q: want scheme://host[:port]", d.PublicURL)
		}
	}
	if d.Window < 0 {
		return errors.New("middleware: Config.DPoP.Window must not be negative")
	}
	if d.Leeway < 0 {
		return errors.New("middleware: Config.DPoP.Leeway must not be negative")
	}
	algs := dpopcheck.Algorithms
	if d.Algorithms != nil {
		if len(d.Algorithms) == 0 {
			return errors.New("middleware: Config.DPoP.Algorithms is empty: no proof could pass (nil means the default)")
		}
		if err := jwa.Check(d.Algorithms); err != nil {
			return fmt.Errorf("middleware: Config.DPoP.Algorithms: %w", err)
		}
		algs = slices.Clone(d.Algorithms) // checked once: the caller's slice may change
	}
	m.proofs = dpopcheck.Options{Algorithms: algs, Window: d.Window, Leeway: d.Leeway}
	switch period := d.NoncePeriod; {
	case d.NonceSecret == nil && period != 0:
		return errors.New("middleware: Config.DPoP.NoncePeriod is set without NonceSecret")
	case d.NonceSecret == nil:
	case len(d.NonceSecret) < dpopcheck.MinNonceSecretBytes:
		return fmt.Errorf("middleware: Config.DPoP.NonceSecret must be at least %d random bytes, shared by the fleet", dpopcheck.MinNonceSecretBytes)
	case period != 0 && period < dpopcheck.MinNoncePeriod:
		return fmt.Errorf("middleware: Config.DPoP.NoncePeriod must be %v or more", dpopcheck.MinNoncePeriod)
	default:
		if period == 0 {
			period = defaultNoncePeriod
		}
		m.proofs.Nonces = dpopcheck.NewNonces(d.NonceSecret, period)
	}
	checks, err := observe.Need(d.Metrics, func(h observe.Hooks) observe.DPoP { return h.DPoP }, "middleware: Config.DPoP.Metrics", "*metrics.Collector")
	if err != nil {
		return err
	}
	m.checks, m.replays = checks, d.Replays
	if m.replays == nil {
		m.replays = dpop.NewMemoryReplays(100_000)
	}
	m.algs = strings.Join(algs, " ")
	return nil
}

// The DPoP refusals the middleware makes itself; each matches
// provider.ErrInvalidToken or dpop.ErrInvalidProof.
var (
	errBoundAsBearer = reasons.New("dpop_bound", "middleware: the token is bound to a key (DPoP): present it with its proof", provider.ErrInvalidToken)
	errNotBound      = reasons.New("dpop_unbound", "middleware: a DPoP proof with a token bound to no key", provider.ErrInvalidToken)
	errWrongKey      = reasons.New("dpop_binding", "middleware: the proof is not made with the key the token is bound to", provider.ErrInvalidToken)
	errDPoPRequired  = reasons.New("dpop_required", "middleware: this resource takes DPoP-bound tokens only", provider.ErrInvalidToken)
	errProofCount    = reasons.New("dpop_malformed", "middleware: want exactly one DPoP header", dpop.ErrInvalidProof)
	errReplay        = reasons.New("dpop_replay", "middleware: the proof was used before", dpop.ErrInvalidProof)
)

// checkDPoP checks the proof of a request presenting token with the DPoP
// scheme, and that token is bound to its key; it returns the proof.
func (m *Middleware) checkDPoP(r *http.Request, token string, claims *provider.Claims) (*dpop.Proof, error) {
	proofs := r.Header.Values("DPoP")
	if len(proofs) != 1 {
		return nil, errProofCount
	}
	p, err := dpopcheck.Verify(proofs[0], dpopcheck.Request{Method: r.Method, URI: m.requestURI(r), AccessToken: token}, m.proofs)
	if err != nil {
		return nil, err
	}
	switch bound := claims.BoundKey(); {
	case bound == "":
		return nil, errNotBound
	case bound != p.JKT:
		return nil, errWrongKey
	}
	seen, err := m.replays.Seen(r.Context(), replayKey(p.JKT, p.ID), p.Expires)
	if err != nil {
		return nil, fmt.Errorf("middleware: DPoP replay check: %w", err)
	}
	if seen {
		return nil, errReplay
	}
	return p, nil
}

// requestURI is the URI the client addressed r to, without the query:
// what a proof's htu must name. The path is the one the client sent
// (RequestURI), not one a router rewrote (http.StripPrefix).
func (m *Middleware) requestURI(r *http.Request) string {
	path := r.URL.EscapedPath()
	switch ru := r.RequestURI; {
	case ru != "" && ru[0] == '/': // origin-form, as sent: the path before any query
		if i := strings.IndexByte(ru, '?'); i >= 0 {
			ru = ru[:i]
		}
		path = ru
	case ru != "":
		if u, err := url.ParseRequestURI(ru); err == nil {
			path = u.EscapedPath()
		}
	}
	if u := m.cfg.DPoP.PublicURL; u != "" {
		return strings.TrimSuffix(u, "/") + path
	}
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if m.trusted(r) {
		if p, h := forwarded(r); p != "" || h != "" {
			scheme, host = orString(p, scheme), orString(h, host)
		}
	}
	return scheme + "://" + host + path
}

// trusted reports whether r comes straight from a trusted proxy.
func (m *Middleware) trusted(r *http.Request) bool {
	if len(m.cfg.DPoP.TrustedProxies) == 0 {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	for _, p := range m.cfg.DPoP.TrustedProxies {
		if p.Contains(ip.Unmap()) {
			return true
		}
	}
	return false
}

// forwarded returns the scheme and host the proxy in front says the
// client used: the last values of X-Forwarded-Proto and X-Forwarded-Host
// (what proxies such as nginx set), else the last element of Forwarded
// (RFC 7239; the one the proxy added).
func forwarded(r *http.Request) (proto, host string) {
	last := func(name string) string {
		vs := r.Header.Values(name)
		if len(vs) == 0 {
			return ""
		}
		parts := strings.Split(vs[len(vs)-1], ",")
		return strings.TrimSpace(parts[len(parts)-1])
	}
	if proto, host = strings.ToLower(last("X-Forwarded-Proto")), last("X-Forwarded-Host"); proto != "" || host != "" {
		return proto, host
	}
	if fs := r.Header.Values("Forwarded"); len(fs) > 0 {
		elems := strings.Split(fs[len(fs)-1], ",")
		for _, pair := range strings.Split(elems[len(elems)-1], ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(pair), "=")
			v = strings.Trim(v, `"`)
			switch strings.ToLower(k) {
			case "proto":
				proto = strings.ToLower(v)
			case "host":
				host = v
			}
		}
	}
	return proto, host
}

func orString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

type proofKey struct{}

// ProofFromContext returns the DPoP proof the request was accepted with,
// or nil (a bearer token, or no middleware).
func ProofFromContext(ctx context.Context) *dpop.Proof {
	p, _ := ctx.Value(proofKey{}).(*dpop.Proof)
	return p
}

// replayKey is what a dpop.Replays remembers of a proof with key
// thumbprint jkt and jti: the SHA-256 of both (jti is the client's
// choice; scoped to its key, one client cannot use another's), 43
// characters whatever the jti.
func replayKey(jkt, jti string) string {
	sum := sha256.Sum256([]byte(jkt + "." + jti))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
