package auth0

import (
	"encoding/json"
	"unsafe"

	"github.com/jwtguard/jwtguard/internal/claimrule"
	"github.com/jwtguard/jwtguard/internal/jsonobj"
	"github.com/jwtguard/jwtguard/provider"
)

// Permissions returns the RBAC permissions of c: its permissions claim,
// which Auth0 puts in access tokens when the API's RBAC and "Add
// Permissions in the Access Token" settings are on. The claim is an
// array of strings; its other elements and empty strings are dropped,
// and anything but an array (or no such claim, or no permission in it)
// is nil. The list is the caller's.
func Permissions(c *provider.Claims) []string {
	raw, _ := c.Lookup("permissions")
	var perms []string
	eachPermission(raw, func(p string) bool { perms = append(perms, p); return true })
	return perms
}

// eachPermission calls f with each non-empty string of the permissions
// claim raw, an array (anything else holds none), until f returns false.
// A plain string is not copied: a rule that compares costs no allocation.
func eachPermission(raw []byte, f func(string) bool) {
	jsonobj.Elements(raw, func(v []byte) bool {
		if v[0] != '"' {
			return true
		}
		if _, escaped := jsonobj.StringEnd(v, 0); escaped {
			var s string
			if json.Unmarshal(v, &s) != nil || s == "" {
				return true
			}
			return f(s)
		}
		if len(v) == 2 {
			return true
		}
		return f(unsafe.String(&v[1], len(v)-2))
	})
}

// RequirePermissions returns a rule for middleware.Middleware.Require that
// requires every one of perms (Permissions). A token without them gets 403
// insufficient_scope: the rule's error matches
// provider.ErrInsufficientScope and names perms. It panics, when built, if
// given no permission or an empty one: like a bad route pattern, that is a
// programming error.
func RequirePermissions(perms ...string) func(*provider.Claims) error {
	return permissionRule("RequirePermissions", perms, true)
}

// RequireAnyPermission is RequirePermissions satisfied by any one of
// perms.
func RequireAnyPermission(perms ...string) func(*provider.Claims) error {
	return permissionRule("RequireAnyPermission", perms, false)
}

// permissionRule checks want against c's permissions: every one (all) or
// any one.
func permissionRule(name string, want []string, all bool) func(*provider.Claims) error {
	want, denied := claimrule.Want("auth0", name, want, all, nil)
	return func(c *provider.Claims) error {
		raw, _ := c.Lookup("permissions")
		if !claimrule.Holds(want, all, func(p string) bool { return hasPermission(raw, p) }) {
			return denied
		}
		return nil
	}
}

// hasPermission reports whether the permissions claim raw holds p.
func hasPermission(raw []byte, p string) bool {
	found := false
	eachPermission(raw, func(q string) bool { found = q == p; return !found })
	return found
}
