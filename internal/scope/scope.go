// Package scope holds the one definition of an OAuth scope-token, which
// the verifier (reading scopes), the middleware (guards) and m2m (scopes
// requested) share.
package scope

// Valid reports whether s is a scope-token (RFC 6749 §3.3): one or more
// printable ASCII characters but space, '"' and '\'.
func Valid(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return s != ""
}
