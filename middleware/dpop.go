package middleware

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/jwtguard/jwtguard/dpop"
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
// request carrying a proof made with the key the token is bound to.
type DPoPConfig struct {
	// Mode is DPoPOff (the zero value), DPoPAllowed or DPoPRequired.
	Mode DPoPMode
	// Proof are the rules of proofs: algorithms, the iat window, server
	// nonces.
	Proof dpop.Options
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
	p, err := dpop.Verify(proofs[0], dpop.Request{Method: r.Method, URI: m.requestURI(r), AccessToken: token}, m.cfg.DPoP.Proof)
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
