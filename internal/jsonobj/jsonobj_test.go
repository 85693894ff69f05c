package jsonobj

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// Object accepts exactly the JSON objects encoding/json.Valid accepts
// (provider's FuzzMembers checks the same on any input), and walks their
// members in order, names unescaped.
func TestObject(t *testing.T) {
	for _, s := range []string{
		`{}`, ` {"a":1} `, `{"a":{"b":[1,{"c":"}"}]},"\u0062":"x\"y"}`, `{"a":-1.5e+3,"b":true,"c":null,"d":false}`,
		`[]`, `"x"`, `null`, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"a":01}`, `{"a":1.}`, `{"a":tru}`, `{"a":"\x"}`,
		"{\"a\":\"\x01\"}", `{"a":1}x`, `{"a":[1,]}`, `{"a" 1}`, strings.Repeat(`{"a":`, 10001) + "1" + strings.Repeat("}", 10001),
	} {
		o := Object{B: []byte(s)}
		var names []string
		for o.Next() {
			names = append(names, string(o.Name))
		}
		isObject := json.Valid([]byte(s)) && strings.TrimSpace(s)[0] == '{'
		if (o.Err == nil) != isObject {
			t.Errorf("%.40q: Err %v, want valid %v", s, o.Err, isObject)
		}
		if s == `{"a":{"b":[1,{"c":"}"}]},"\u0062":"x\"y"}` && strings.Join(names, ",") != "a,b" {
			t.Errorf("names %q, want a,b", names)
		}
	}
}

func TestElements(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		ok   bool
	}{
		{`[]`, nil, true},
		{` [ "a" , 1,{"b":[2]}, "c\"d" ] `, []string{`"a"`, `1`, `{"b":[2]}`, `"c\"d"`}, true},
		{`["a",]`, []string{`"a"`}, false},
		{`["a" "b"]`, []string{`"a"`}, false},
		{`{"a":1}`, nil, false},
		{`"a"`, nil, false},
		{`["a"] x`, []string{`"a"`}, false},
	}
	for _, tt := range tests {
		var got []string
		ok := Elements([]byte(tt.in), func(v []byte) bool { got = append(got, string(v)); return true })
		if ok != tt.ok || !slices.Equal(got, tt.want) {
			t.Errorf("Elements(%s) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	n := 0
	if !Elements([]byte(`[1,2,3]`), func([]byte) bool { n++; return n < 2 }) || n != 2 {
		t.Errorf("stopping early: %d elements seen, want 2", n)
	}
}

// Object walks the members of an object in order, names unescaped and
// values raw, and refuses what is not an object.
func TestObjectMembers(t *testing.T) {
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
		o := Object{B: []byte(tt.in)}
		for o.Next() {
			got = append(got, string(o.Name)+"="+string(o.Value))
		}
		if o.Err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("Object(%s) = %q, %v; want %q", tt.in, got, o.Err, tt.want)
		}
	}
	for _, notObject := range []string{`[]`, `"{}"`, `null`, `1`} {
		o := Object{B: []byte(notObject)}
		for o.Next() {
		}
		if o.Err == nil {
			t.Errorf("Object(%s) accepted a non-object", notObject)
		}
	}
}
