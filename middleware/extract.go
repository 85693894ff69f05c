package middleware

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/jwtguard/jwtguard/provider"
)

// BearerToken takes the token from the Authorization header (RFC 6750
// §2.1): scheme "Bearer" in any case, one space, one token. No header, or
// another scheme, is no token. Two Authorization headers, or a Bearer
// credential that is empty, has several parts or characters outside the
// token68 alphabet, is provider.ErrInvalidRequest.
func BearerToken(r *http.Request) (string, error) {
	values := r.Header.Values("Authorization")
	switch len(values) {
	case 0:
		return "", nil
	case 1:
	default:
		return "", fmt.Errorf("%w: more than one Authorization header", provider.ErrInvalidRequest)
	}
	scheme, token, _ := strings.Cut(values[0], " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", nil
	}
	if !isToken68(token) {
		return "", fmt.Errorf("%w: malformed Bearer credentials", provider.ErrInvalidRequest)
	}
	return token, nil
}

// isToken68 reports whether s is a b64token (RFC 6750 §2.1):
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func isToken68(s string) bool {
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/') {
			break
		}
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
// cookie.
func CookieToken(name string) func(*http.Request) (string, error) {
	return func(r *http.Request) (string, error) {
		c, err := r.Cookie(name)
		if err != nil {
			return "", nil
		}
		return c.Value, nil
	}
}

// HeaderToken returns an Extractor that takes the token, as is, from the
// named header; more than one such header is provider.ErrInvalidRequest.
func HeaderToken(name string) func(*http.Request) (string, error) {
	return func(r *http.Request) (string, error) {
		v := r.Header.Values(name)
		switch len(v) {
		case 0:
			return "", nil
		case 1:
			return strings.TrimSpace(v[0]), nil
		}
		return "", fmt.Errorf("%w: more than one %s header", provider.ErrInvalidRequest, name)
	}
}
