package middleware

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/jwtguard/jwtguard/dpop"
	"github.com/jwtguard/jwtguard/internal/dpopcheck"
	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/provider"
)

// Verifier is what the middleware needs of a *provider.Verifier.
type Verifier interface {
	Verify(ctx context.Context, token string) (*provider.Claims, error)
}

// An Extractor takes the token from a request. It returns "" with a nil
// error when the request carries no token, and an error matching
// ErrInvalidRequest when its credentials are malformed (400).
// BearerToken, CookieToken and HeaderToken are Extractors.
type Extractor func(r *http.Request) (token string, err error)

// Config configures the middleware.
type Config struct {
	// Verifier checks the tokens. Required; usually a *provider.Verifier.
	Verifier Verifier
	// Extractor takes the token from a request. If nil, BearerToken (the
	// Authorization header) is used.
	Extractor Extractor
	// Realm is the realm of WWW-Authenticate. If empty, "api" is used. It
	// must not contain control characters.
	Realm string
	// CredentialsOptional lets a request without a token through without
	// claims; a request with a bad token is still rejected.
	CredentialsOptional bool
	// PassPreflight lets CORS preflight requests (OPTIONS with Origin and
	// Access-Control-Request-Method) through without a token — browsers
	// never send credentials on a preflight — to a CORS handler behind the
	// middleware; guards let them through too. The handler then sees no
	// claims, and so does any handler a route sends OPTIONS to: anyone can
	// send such a request. By default a preflight needs a token like any
	// request: put your CORS middleware in front of this one, where it
	// answers preflights itself.
	PassPreflight bool
	// ErrorHandler writes the response for a rejected request instead of
	// the default (status, WWW-Authenticate, small JSON body; see
	// WriteError). err matches one of the provider's categories; see
	// Status. For the errors it does not handle itself, it calls
	// WriteError(w, r, err), which writes what the default would — realm,
	// a guard's scopes and the DPoP challenges included. If nil, the
	// default response is written.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
	// Logger receives rejected requests at debug, with the reason code
	// (provider.Reason), method and path only. (While the provider is down,
	// the key cache warns once per failed refresh, not once per request.)
	// If nil, nothing is logged.
	Logger *slog.Logger
	// DPoP configures DPoP-bound tokens (RFC 9449). Its zero value takes
	// bearer tokens only — and never a DPoP-bound one as a bearer token.
	// DPoP works with the Authorization header: Extractor must be nil.
	DPoP DPoPConfig
}

// Middleware authenticates requests. It is safe for concurrent use.
type Middleware struct {
	cfg     Config
	proofs  dpopcheck.Options // with DPoP: the rules of proofs
	replays dpop.Replays      // with DPoP
	checks  observe.DPoP      // nil if nobody counts
	algs    string            // the algs of the DPoP challenge, with DPoP
}

// New validates cfg and returns the middleware.
func New(cfg Config) (*Middleware, error) {
	if cfg.Verifier == nil {
		return nil, errors.New("middleware: Config.Verifier is required")
	}
	m := &Middleware{}
	switch d := cfg.DPoP; {
	case d.Mode < DPoPOff || d.Mode > DPoPRequired:
		return nil, fmt.Errorf("middleware: Config.DPoP.Mode %d: want DPoPOff, DPoPAllowed or DPoPRequired", d.Mode)
	case d.Mode == DPoPOff:
	case cfg.Extractor != nil:
		return nil, errors.New("middleware: Config.DPoP works with the Authorization header: leave Config.Extractor nil")
	default:
		if err := m.setDPoP(d); err != nil {
			return nil, err
		}
	}
	if cfg.Extractor == nil {
		cfg.Extractor = BearerToken
	}
	if cfg.Realm == "" {
		cfg.Realm = "api"
	}
	for i := 0; i < len(cfg.Realm); i++ {
		if c := cfg.Realm[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return nil, errors.New("middleware: Config.Realm must not contain control characters")
		}
	}
	m.cfg = cfg
	return m, nil
}

// Handler verifies the request's token and calls next with the claims in
// the request context (see FromContext); a rejected request gets the error
// response and next is not called. Its signature fits net/http, chi and
// gorilla/mux chains.
func (m *Middleware) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m.cfg.PassPreflight && isPreflight(r) {
			next.ServeHTTP(w, r)
			return
		}
		mode := m.cfg.DPoP.Mode
		scheme, token, err := "Bearer", "", error(nil)
		if mode == DPoPOff {
			token, err = m.cfg.Extractor(r)
		} else if scheme, token, err = authorization(r, true); scheme != "Bearer" && scheme != "DPoP" {
			token = "" // another scheme: no token
		}
		if err == nil && token == "" {
			if m.cfg.CredentialsOptional {
				next.ServeHTTP(w, r)
				return
			}
			err = provider.ErrNoToken
		}
		if err == nil && scheme == "Bearer" && mode == DPoPRequired {
			err = errDPoPRequired
		}
		var claims *provider.Claims
		if err == nil {
			claims, err = m.cfg.Verifier.Verify(r.Context(), token)
		}
		var proof *dpop.Proof
		switch {
		case err != nil:
		case scheme == "DPoP":
			proof, err = m.checkDPoP(r, token, claims)
			if h := m.checks; h != nil {
				h.Checked(provider.Reason(err))
			}
		case claims.BoundKey() != "":
			err = errBoundAsBearer
		}
		if err != nil {
			m.reject(w, r, err, nil)
			return
		}
		ctx := NewContext(r.Context(), claims)
		if proof != nil {
			ctx = context.WithValue(ctx, proofKey{}, proof)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// reject answers a request that may not pass; scopes go into the default
// challenge of a 403.
func (m *Middleware) reject(w http.ResponseWriter, r *http.Request, err error, scopes []string) {
	if l := m.cfg.Logger; l != nil {
		if ctx := r.Context(); l.Enabled(ctx, slog.LevelDebug) {
			l.LogAttrs(ctx, slog.LevelDebug, "jwtguard: request rejected",
				slog.String("reason", provider.Reason(err)), slog.String("method", r.Method), slog.String("path", r.URL.Path))
		}
	}
	rj := &rejection{realm: m.cfg.Realm, scopes: scopes}
	if d := m.cfg.DPoP; d.Mode != DPoPOff {
		scheme, _, _ := authorization(r, true)
		rj.dpop = &dpopChallenge{algs: m.algs, usedDPoP: scheme == "DPoP", bearerToo: d.Mode == DPoPAllowed, nonces: m.proofs.Nonces}
	}
	if m.cfg.ErrorHandler != nil {
		// WriteError, if the handler calls it, writes what the default would.
		m.cfg.ErrorHandler(w, r.WithContext(context.WithValue(r.Context(), rejectionCtxKey, rj)), err)
		return
	}
	writeError(w, rj, err)
}

// isPreflight reports whether r is a CORS preflight request.
func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}
