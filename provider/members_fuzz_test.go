package provider

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/internal/jsonobj"
)

// FuzzMembers: the claims scanner accepts exactly the JSON objects
// encoding/json accepts, and on each it sees exactly the members
// encoding/json sees — the same names (unescaped, invalid UTF-8 coerced as
// encoding/json does) and, for a name given twice, the same last value,
// byte for byte. A string read as a substring of the document is the
// string read on its own.
func FuzzMembers(f *testing.F) {
	for _, s := range []string{
		`{"iss":"https://idp.example/","aud":["a","b"],"exp":1700000000}`,
		`{"\u0065xp":1,"exp":2,"a\"b":{"c":[1,{"d":"}"}]}}`,
		` { "scope" : "read write" , "n" : null , "t" : true , "f" : -1.5e3 } `,
		`{}`, `[]`, `"exp"`, `{"":""}`, `null`, `{"a":01}`, `{"a":1.}`, `{"a":-}`,
		`{"a":tru}`, `{"a":"\x"}`, `{"a":"\u12"}`, "{\"a\":\"\x01\"}", `{"a":1}x`,
		`{"a":[1,]}`, `{"a":{"b"}}`, `{,}`, `{"a":1,}`, `{"a" 1}`, `{"a":[}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		b := bytes.Clone(in)
		var want map[string]json.RawMessage
		trimmed := bytes.TrimLeft(b, " \t\r\n")
		isObject := json.Valid(b) && len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(b, &want) == nil
		got := map[string][]byte{}
		d := docOf(b)
		o := jsonobj.Object{B: b}
		for o.Next() {
			name, value := o.Name, o.Value
			got[norm(name)] = bytes.Clone(value)
			// A string read through the document is the string read
			// on its own.
			s1, ok1 := plainString(&d, value)
			s2, ok2 := plainString(nil, value)
			l1, lok1 := appendPlainStrings(&d, value, nil)
			l2, lok2 := appendPlainStrings(nil, value, nil)
			if s1 != s2 || ok1 != ok2 || lok1 != lok2 || strings.Join(l1, "\x00") != strings.Join(l2, "\x00") {
				t.Fatalf("value %q: through the document %q %v %q %v, alone %q %v %q %v", value, s1, ok1, l1, lok1, s2, ok2, l2, lok2)
			}
		}
		err := o.Err
		if !isObject {
			if err == nil {
				t.Fatalf("jsonobj.Object accepted %q, which is no JSON object", b)
			}
			return
		}
		if err != nil {
			t.Fatalf("jsonobj.Object(%q): %v", b, err)
		}
		if len(got) != len(want) {
			t.Fatalf("jsonobj.Object saw %d names, encoding/json %d, in %q", len(got), len(want), b)
		}
		for name, v := range want {
			if !bytes.Equal(got[name], v) {
				t.Fatalf("member %q: scanner %q, encoding/json %q, in %q", name, got[name], v, b)
			}
		}
	})
}

// norm is name as encoding/json makes a map key of it: invalid UTF-8
// replaced.
func norm(name []byte) string {
	q, _ := json.Marshal(string(name))
	var s string
	_ = json.Unmarshal(q, &s)
	return s
}
