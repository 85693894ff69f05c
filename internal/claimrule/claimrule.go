// Package claimrule holds what the guards of the middleware (scopes,
// groups) and of the provider packages (auth0's permissions) share: the
// checks of the values a guard is built with, its refusal, and "every one
// or any one of them".
package claimrule

import (
	"fmt"
	"slices"

	"github.com/jwtguard/jwtguard/provider"
)

// Want checks the values a guard named name (of package pkg) requires —
// at least one, none empty, each valid if valid is not nil — and returns
// a copy of them and the guard's refusal, matching
// provider.ErrInsufficientScope and naming them. It panics on a bad
// value: like a bad route pattern, a programming error.
func Want(pkg, name string, want []string, all bool, valid func(string) bool) ([]string, error) {
	if len(want) == 0 {
		panic(pkg + ": " + name + " needs at least one value")
	}
	for _, w := range want {
		if w == "" || valid != nil && !valid(w) {
			panic(fmt.Sprintf("%s: %s: %q is not a valid value", pkg, name, w))
		}
	}
	want = slices.Clone(want)
	quantifier := "one"
	if all {
		quantifier = "all"
	}
	return want, fmt.Errorf("%w: want %s of %q", provider.ErrInsufficientScope, quantifier, want)
}

// Holds reports whether every one (all) or any one (!all) of want is in,
// as in says.
func Holds(want []string, all bool, in func(string) bool) bool {
	for _, x := range want {
		has := in(x)
		if all && !has {
			return false
		}
		if !all && has {
			return true
		}
	}
	return all
}
