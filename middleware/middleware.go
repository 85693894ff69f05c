package middleware

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

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
	// Status. If nil, the default response is written.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
	// Logger receives rejected requests at debug, with the reason code
	// (provider.Reason), method and path only. (While the provider is down,
	// the key cache warns once per failed refresh, not once per request.)
	// If nil, nothing is logged.
	Logger *slog.Logger
}

// Middleware authenticates requests. It is safe for concurrent use.
type Middleware struct {
	cfg Config
}

// New validates cfg and returns the middleware.
func New(cfg Config) (*Middleware, error) {
	if cfg.Verifier == nil {
		return nil, errors.New("middleware: Config.Verifier is required")
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
	return &Middleware{cfg: cfg}, nil
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
		token, err := m.cfg.Extractor(r)
		if err == nil && token == "" {
			if m.cfg.CredentialsOptional {
				next.ServeHTTP(w, r)
				return
			}
			err = provider.ErrNoToken
		}
		var claims *provider.Claims
		if err == nil {
			claims, err = m.cfg.Verifier.Verify(r.Context(), token)
		}
		if err != nil {
			m.reject(w, r, err, nil)
			return
		}
		next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), claims)))
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
	if m.cfg.ErrorHandler != nil {
		m.cfg.ErrorHandler(w, r, err)
		return
	}
	writeError(w, m.cfg.Realm, err, scopes)
}

// isPreflight reports whether r is a CORS preflight request.
func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}
