package auth0

import (
	"slices"

	"github.com/jwtguard/jwtguard/internal/claimrule"
	"github.com/jwtguard/jwtguard/provider"
)

// Permissions returns the RBAC permissions of c: its permissions claim,
// which Auth0 puts in access tokens when the API's RBAC and "Add
// Permissions in the Access Token" settings are on. The claim is an
// array of strings; its other elements and empty strings are dropped,
// and anything but an array (or no such claim, or no permission in it)
// is nil. The list is the caller's.
func Permissions(c *provider.Claims) []string {
	// LookupList reads an array this way, but takes a string for a list
	// of one: Auth0 never writes one, so it grants nothing.
	if v, _ := c.Lookup("permissions"); len(v) == 0 || v[0] != '[' {
		return nil
	}
	if perms := c.LookupList("permissions"); len(perms) > 0 {
		return perms
	}
	return nil
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
		perms := Permissions(c)
		if !claimrule.Holds(want, all, func(p string) bool { return slices.Contains(perms, p) }) {
			return denied
		}
		return nil
	}
}
