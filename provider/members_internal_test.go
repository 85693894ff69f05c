package provider

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/jwtguard/jwtguard/internal/jsonobj"
)

func TestMembers(t *testing.T) {
	tests := []struct {
		in   string
		want []string // name=value pairs
	}{
		{`{}`, nil},
		{` { } `, nil},
		{`{"a":1}`, []string{"a=1"}},
		{"{\n\t\"a\" : \"x\" ,\r\n\"b\":true }", []string{`a="x"`, "b=true"}},
		{`{"a":{"b":"}]","c":[1,{"d":"\"{"}]},"e":null}`, []string{`a={"b":"}]","c":[1,{"d":"\"{"}]}`, "e=null"}},
		{`{"\u0065xp":1,"s\"q":"v\\"}`, []string{"exp=1", `s"q="v\\"`}},
		{`{"a":-1.5e3,"b":[]}`, []string{"a=-1.5e3", "b=[]"}},
		{`{"ſcope":"x","Scope":"y"}`, []string{`ſcope="x"`, `Scope="y"`}},
	}
	for _, tt := range tests {
		if !json.Valid([]byte(tt.in)) {
			t.Fatalf("bad test input %s", tt.in)
		}
		var got []string
		err := members([]byte(tt.in), func(n, v []byte) error {
			got = append(got, string(n)+"="+string(v))
			return nil
		})
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("members(%s) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, notObject := range []string{`[]`, `"{}"`, `null`, `1`} {
		if err := members([]byte(notObject), func(_, _ []byte) error { return nil }); err == nil {
			t.Errorf("members(%s) accepted a non-object", notObject)
		}
	}
}

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

// members (for the tests) calls f with the name (unescaped) and raw value of each member
// of the JSON object b, in order, and fails if b is not a valid JSON
// object. name may alias b; f must not keep it.
func members(b []byte, f func(name, value []byte) error) error {
	o := jsonobj.Object{B: b}
	for o.Next() {
		if err := f(o.Name, o.Value); err != nil {
			return err
		}
	}
	return o.Err
}
