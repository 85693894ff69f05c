package middleware_test

import (
	"bufio"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/middleware"
)

// bearer is RFC 6750 §2.1's credentials, written independently of the
// extractor: "Bearer" in any case, one or more spaces, a b64token.
var bearer = regexp.MustCompile(`^(?i:bearer) +([A-Za-z0-9\-._~+/]+=*)$`)

// FuzzBearerToken: what net/http reads from a request's bytes as its
// Authorization header, the extractor reads as RFC 6750 does: a token
// exactly when the value is Bearer credentials (and then the credentials'
// token), no token for another scheme, and ErrInvalidRequest for
// malformed Bearer credentials or a value that is no credentials at all.
func FuzzBearerToken(f *testing.F) {
	for _, s := range []string{
		"Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln",
		"bearer   abc==", "Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", "Bearer\tabc",
		"DPoP abc", "Bearer abc=d", "", " Bearer abc", "Bearer abc ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		raw := "GET / HTTP/1.1\r\nHost: api.example\r\nAuthorization: " + value + "\r\n\r\n"
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil {
			return // net/http refuses the request: no handler sees it
		}
		got := r.Header.Values("Authorization")
		token, err := middleware.BearerToken(r)
		switch {
		case len(got) != 1:
			t.Fatalf("net/http read %d Authorization headers from %q", len(got), value)
		case bearer.MatchString(got[0]):
			if want := bearer.FindStringSubmatch(got[0])[1]; err != nil || token != want {
				t.Fatalf("BearerToken(%q) = %q, %v; want %q", got[0], token, err, want)
			}
		case err == nil && token != "":
			t.Fatalf("BearerToken(%q) = %q: not Bearer credentials, yet a token", got[0], token)
		case err != nil && !errors.Is(err, middleware.ErrInvalidRequest):
			t.Fatalf("BearerToken(%q): %v, want ErrInvalidRequest", got[0], err)
		case err == nil && isBearerScheme(got[0]):
			t.Fatalf("BearerToken(%q): malformed Bearer credentials taken as no token", got[0])
		}
	})
}

// isBearerScheme reports whether the credentials' auth-scheme is Bearer.
func isBearerScheme(v string) bool {
	scheme, _, _ := strings.Cut(v, " ")
	return strings.EqualFold(scheme, "bearer")
}
