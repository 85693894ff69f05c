package middleware

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/jwtguard/jwtguard/dpop"
	"github.com/jwtguard/jwtguard/internal/dpopcheck"
	"github.com/jwtguard/jwtguard/internal/reasons"
	"github.com/jwtguard/jwtguard/provider"
)

// ErrInvalidRequest is the error of a request whose credentials are
// malformed, e.g. two Authorization headers (400 invalid_request).
// Extractors return it; its provider.Reason is "invalid_request".
var ErrInvalidRequest error = invalidRequest{}

type invalidRequest struct{}

func (invalidRequest) Error() string  { return "middleware: invalid request" }
func (invalidRequest) Reason() string { return "invalid_request" }

// Status returns the HTTP status for a verification error: 401 for no
// token or an invalid one, 400 for a malformed request, 403 for a missing
// scope or group, 503 when the keys are unavailable.
func Status(err error) int {
	status, _, _ := classify(err)
	return status
}

// classify returns the status, the RFC 6750 error code and a fixed
// description of err; the description never carries the token or
// internal details.
func classify(err error) (status int, code, desc string) {
	switch {
	case errors.Is(err, provider.ErrNoToken):
		return http.StatusUnauthorized, "", "authentication required"
	case errors.Is(err, ErrInvalidRequest):
		return http.StatusBadRequest, "invalid_request", "malformed credentials"
	case errors.Is(err, provider.ErrInsufficientScope):
		return http.StatusForbidden, "insufficient_scope", "insufficient scope"
	case errors.Is(err, dpop.ErrUseNonce):
		return http.StatusUnauthorized, "use_dpop_nonce", "the DPoP proof must carry the nonce of the DPoP-Nonce header"
	case errors.Is(err, dpop.ErrInvalidProof):
		return http.StatusUnauthorized, "invalid_dpop_proof", "the DPoP proof is invalid"
	case errors.Is(err, errBoundAsBearer), errors.Is(err, errDPoPRequired):
		return http.StatusUnauthorized, "invalid_token", "the access token must come with a DPoP proof"
	case errors.Is(err, errWrongKey), errors.Is(err, errNotBound):
		return http.StatusUnauthorized, "invalid_token", "the access token is not bound to the DPoP proof's key"
	case errors.Is(err, provider.ErrKeysUnavailable):
		return http.StatusServiceUnavailable, "temporarily_unavailable", "the identity provider's keys are unavailable; retry later"
	case errors.Is(err, provider.ErrExpired):
		return http.StatusUnauthorized, "invalid_token", "the access token expired"
	case errors.Is(err, reasons.NotYetValid):
		return http.StatusUnauthorized, "invalid_token", "the access token is not valid yet"
	case errors.Is(err, reasons.UnknownIssuer):
		return http.StatusUnauthorized, "invalid_token", "the access token's issuer is not accepted"
	case errors.Is(err, reasons.Audience), errors.Is(err, reasons.Client):
		return http.StatusUnauthorized, "invalid_token", "the access token is not meant for this resource"
	case errors.Is(err, reasons.TokenUse), errors.Is(err, reasons.Type):
		return http.StatusUnauthorized, "invalid_token", "the token is not of the accepted kind (an ID token is no access token)"
	}
	return http.StatusUnauthorized, "invalid_token", "the access token is invalid"
}

// WriteError writes the default response for a verification error: the
// status of Status; except on 503, a WWW-Authenticate challenge (RFC 6750
// §3) with the Config.Realm as a quoted-string and, unless err is
// provider.ErrNoToken, the error code, a fixed description and the scopes
// a guard required — with DPoP on, the DPoP challenge too, and the
// server's DPoP-Nonce when it asks for one; on 503, Retry-After from the
// key cache's backoff (*provider.KeysUnavailableError), at least 1
// second; Cache-Control no-store; and a small JSON body
// {"error":…,"error_description":…}. It is what the middleware writes
// when Config.ErrorHandler is nil, and an ErrorHandler may call it with
// its request for the errors it does not handle itself: it writes what
// the middleware would have. Called with a request no middleware
// rejected, it writes a Bearer challenge without realm, scopes or DPoP.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	rj, _ := r.Context().Value(rejectionCtxKey).(*rejection)
	if rj == nil {
		rj = &rejection{}
	}
	writeError(w, rj, err)
}

// rejection is what the middleware knows of a rejected request that the
// default response says: the realm, the scopes a guard required, and the
// DPoP challenge (nil without DPoP). An ErrorHandler's request carries it
// for WriteError.
type rejection struct {
	realm  string
	scopes []string
	dpop   *dpopChallenge
}

var rejectionCtxKey = &contextKey{"rejection"}

// dpopChallenge is what a DPoP challenge says besides the error: the
// algorithms, whether the request used the DPoP scheme, whether bearer
// tokens are taken, and the server's nonces (nil without), whose current
// one goes with a use_dpop_nonce error.
type dpopChallenge struct {
	algs      string
	usedDPoP  bool
	bearerToo bool
	nonces    *dpopcheck.Nonces
}

func writeError(w http.ResponseWriter, rj *rejection, err error) {
	realm, scopes, dc := rj.realm, rj.scopes, rj.dpop
	status, code, desc := classify(err)
	h := w.Header()
	if status == http.StatusServiceUnavailable {
		h.Set("Retry-After", strconv.Itoa(retryAfter(err)))
	} else {
		params := func(scheme, first string) string {
			var b strings.Builder
			b.WriteString(scheme + " " + first)
			if code != "" {
				b.WriteString(`, error=`)
				b.WriteString(quote(code))
				b.WriteString(`, error_description=`)
				b.WriteString(quote(desc))
			}
			if len(scopes) > 0 {
				b.WriteString(`, scope=`)
				b.WriteString(quote(strings.Join(scopes, " ")))
			}
			return b.String()
		}
		bearer := `realm=` + quote(realm)
		switch {
		case dc == nil:
			h.Set("WWW-Authenticate", params("Bearer", bearer))
		case dc.usedDPoP || errors.Is(err, dpop.ErrInvalidProof) || errors.Is(err, dpop.ErrUseNonce) || !dc.bearerToo:
			// RFC 9449 §7.1: the error goes with the DPoP challenge.
			h.Add("WWW-Authenticate", params("DPoP", `algs=`+quote(dc.algs)))
			if dc.bearerToo {
				h.Add("WWW-Authenticate", "Bearer "+bearer)
			}
		default:
			h.Add("WWW-Authenticate", params("Bearer", bearer))
			h.Add("WWW-Authenticate", "DPoP algs="+quote(dc.algs))
		}
		if dc != nil && dc.nonces != nil && code == "use_dpop_nonce" {
			h.Set("DPoP-Nonce", dc.nonces.Current())
		}
	}
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if code == "" {
		code = "unauthorized"
	}
	// Code and desc are fixed strings without characters JSON must escape.
	_, _ = w.Write([]byte(`{"error":"` + code + `","error_description":"` + desc + `"}` + "\n"))
}

// retryAfter is the whole seconds until the cache may fetch again, at least
// one.
func retryAfter(err error) int {
	var u *provider.KeysUnavailableError
	if errors.As(err, &u) && u.RetryAfter > 0 {
		return int(math.Ceil(u.RetryAfter.Seconds()))
	}
	return 1
}

// quote returns s as an RFC 7230 quoted-string.
func quote(s string) string {
	if !strings.ContainsAny(s, `"\`) {
		return `"` + s + `"`
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
