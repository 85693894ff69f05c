package middleware

import (
	"fmt"
	"net/http"
	"strings"
)

// BearerToken is the default Extractor: it takes the token from the
// Authorization header (RFC 6750 §2.1), "Bearer" in any case, one or more
// spaces, one b64token. No Authorization header, or one with another
// scheme (Basic, …), is no token. More than one Authorization header, an
// empty one, or Bearer credentials that are missing, hold several parts,
// trailing garbage or characters outside the b64token alphabet are
// ErrInvalidRequest.
func BearerToken(r *http.Request) (string, error) {
	scheme, token, err := authorization(r, false)
	if scheme != "Bearer" {
		return "", err
	}
	return token, err
}

// authorization returns the scheme ("Bearer", "DPoP" with dpop set, or
// another one as sent, with no token) and the token of r's Authorization
// header, with the errors of BearerToken.
func authorization(r *http.Request, dpop bool) (scheme, token string, err error) {
	values := r.Header.Values("Authorization")
	switch len(values) {
	case 0:
		return "", "", nil
	case 1:
	default:
		return "", "", fmt.Errorf("%w: more than one Authorization header", ErrInvalidRequest)
	}
	v := values[0]
	// RFC 9110 §11.4: credentials = auth-scheme [ 1*SP ( token68 / … ) ],
	// auth-scheme = token.
	n := 0
	for n < len(v) && isTChar(v[n]) {
		n++
	}
	if n == 0 {
		return "", "", fmt.Errorf("%w: malformed Authorization header", ErrInvalidRequest)
	}
	switch scheme = v[:n]; {
	case strings.EqualFold(scheme, "Bearer"):
		scheme = "Bearer"
	case dpop && strings.EqualFold(scheme, "DPoP"):
		scheme = "DPoP"
	default:
		return scheme, "", nil
	}
	rest := v[n:]
	token = strings.TrimLeft(rest, " ")
	if len(token) == len(rest) || !isToken68(token) {
		return scheme, "", fmt.Errorf("%w: malformed %s credentials", ErrInvalidRequest, scheme)
	}
	return scheme, token, nil
}

// Byte classes: tchar (RFC 9110 §5.6.2) and the b64token alphabet without
// its "=" padding (RFC 6750 §2.1).
var tchar, b64char = byteClass("!#$%&'*+-.^_`|~"), byteClass("-._~+/")

// byteClass returns ALPHA, DIGIT and extra as a lookup table: a token is
// scanned on every request, and a table is several times faster than
// comparisons.
func byteClass(extra string) (t [256]bool) {
	for c := '0'; c <= 'z'; c++ {
		t[c] = '0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z'
	}
	for i := 0; i < len(extra); i++ {
		t[extra[i]] = true
	}
	return t
}

// isTChar reports whether c may appear in an RFC 9110 token.
func isTChar(c byte) bool { return tchar[c] }

// isToken68 reports whether s is a b64token (RFC 6750 §2.1):
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func isToken68(s string) bool {
	i := 0
	for i < len(s) && b64char[s[i]] {
		i++
	}
	if i == 0 {
		return false
	}
	for ; i < len(s); i++ {
		if s[i] != '=' {
			return false
		}
	}
	return true
}

// CookieToken returns an Extractor that takes the token from the named
// cookie (the first, if the request has several); no such cookie, or an
// empty one, is no token.
func CookieToken(name string) Extractor {
	return func(r *http.Request) (string, error) {
		c, err := r.Cookie(name)
		if err != nil {
			return "", nil
		}
		return c.Value, nil
	}
}

// HeaderToken returns an Extractor that takes the token, as is, from the
// named header (for example "X-Api-Token"); no such header, or an empty
// one, is no token, and more than one is ErrInvalidRequest.
func HeaderToken(name string) Extractor {
	return func(r *http.Request) (string, error) {
		v := r.Header.Values(name)
		switch len(v) {
		case 0:
			return "", nil
		case 1:
			return strings.TrimSpace(v[0]), nil
		}
		return "", fmt.Errorf("%w: more than one %s header", ErrInvalidRequest, http.CanonicalHeaderKey(name))
	}
}
