package auth0

import (
	"fmt"
	"slices"

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
	if len(want) == 0 {
		panic("auth0: " + name + " needs at least one value")
	}
	for _, w := range want {
		if w == "" {
			panic(fmt.Sprintf("auth0: %s: %q is not a valid value", name, w))
		}
	}
	want = slices.Clone(want)
	quantifier := "one"
	if all {
		quantifier = "all"
	}
	denied := fmt.Errorf("%w: want %s of %q", provider.ErrInsufficientScope, quantifier, want)
	return func(c *provider.Claims) error {
		if !holds(Permissions(c), want, all) {
			return denied
		}
		return nil
	}
}

// holds reports whether have has every (all) or any (!all) of want.
func holds(have, want []string, all bool) bool {
	for _, x := range want {
		in := slices.Contains(have, x)
		if all && !in {
			return false
		}
		if !all && in {
			return true
		}
	}
	return all
}
