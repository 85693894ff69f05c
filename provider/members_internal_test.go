package provider

import (
	"reflect"
	"testing"
)

// An escaped name is the name it spells: "\u0065xp" is exp.
func TestEscapedClaimNames(t *testing.T) {
	c, err := ParseClaims([]byte(`{"\u0065xp":42,"\u0073cope":"admin","iss":"https://i"}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.expiresAt.Unix() != 42 || len(c.scopes) != 1 || c.scopes[0] != "admin" {
		t.Errorf("claims %+v", c)
	}
	if v, ok := c.Lookup("exp"); !ok || string(v) != "42" {
		t.Errorf(`Lookup("exp") = %s, %v`, v, ok)
	}
}

func TestPlainStrings(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want string // "" with ok false: falls back to the decoder
		ok   bool
	}{
		{`"abc"`, "abc", true},
		{`""`, "", true},
		{`"a\"b"`, "", false},
		{`"\u0041"`, "", false},
		{"\"\xff\"", "", false},
		{`1`, "", false},
		{`"ünï"`, "ünï", true},
	} {
		got, ok := plainString(nil, []byte(tt.in))
		if got != tt.want || ok != tt.ok {
			t.Errorf("plainString(%s) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	for _, tt := range []struct {
		in   string
		want []string
		ok   bool
	}{
		{`[]`, nil, true},
		{`[ ]`, nil, true},
		{`["a"]`, []string{"a"}, true},
		{`[ "a" , "b" ]`, []string{"a", "b"}, true},
		{`["a",1]`, nil, false},
		{`["a\"b"]`, nil, false},
		{`[["a"]]`, nil, false},
		{`"a"`, nil, false},
	} {
		got, ok := appendPlainStrings(nil, []byte(tt.in), nil)
		if !reflect.DeepEqual(got, tt.want) || ok != tt.ok {
			t.Errorf("appendPlainStrings(%s) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
		// Appending keeps what was there, whatever the outcome.
		got, _ = appendPlainStrings(nil, []byte(tt.in), []string{"x"})
		if got[0] != "x" || len(got) != 1+len(tt.want) {
			t.Errorf("appendPlainStrings(%s) after x = %q", tt.in, got)
		}
	}
	// Whatever the path, a claim decodes to what encoding/json makes of it.
	c, err := ParseClaims([]byte(`{"iss":"https:\/\/i","aud":["a","b\u0063"],"scope":"x y","groups":["g\"",7]}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.issuer != "https://i" || !reflect.DeepEqual(c.audience, []string{"a", "bc"}) ||
		!reflect.DeepEqual(c.scopes, []string{"x", "y"}) || !reflect.DeepEqual(c.groups, []string{`g"`}) {
		t.Errorf("claims %+v", c)
	}
}
