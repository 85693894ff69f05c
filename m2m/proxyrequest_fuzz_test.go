package m2m

import (
	"encoding/json"
	"mime"
	"net/url"
	"testing"
)

// FuzzParseBody: a token request body is accepted only as a form that
// net/url reads, or as a JSON object of strings that encoding/json
// reads, each parameter given once; and what the proxy takes from it is
// what those readers see, empty values dropped.
func FuzzParseBody(f *testing.F) {
	const form, js = "application/x-www-form-urlencoded", "application/json"
	for _, s := range [][2]string{
		{form, "grant_type=client_credentials&client_id=a&client_secret=b&scope=read+write"},
		{form, "a=1&a=2"}, {form, "a=%zz"}, {form, "a=&b=1"},
		{js, `{"grant_type":"client_credentials","client_id":"a","client_secret":"b"}`},
		{js, `{"a":"1","a":"2"}`}, {js, `{"a":1}`}, {js, `{"a":"1"} {}`}, {js, `[]`},
		{"text/plain", "a=1"}, {js + "; charset=utf-8", `{"a":"\u00e9"}`},
	} {
		f.Add(s[0], []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		params, rerr := parseBody(contentType, body)
		if rerr != nil {
			return
		}
		mt, _, err := mime.ParseMediaType(contentType)
		if err != nil {
			t.Fatalf("accepted a body of Content-Type %q, which is no media type", contentType)
		}
		want := map[string]string{}
		switch mt {
		case form:
			q, err := url.ParseQuery(string(body))
			if err != nil {
				t.Fatalf("accepted the form %q, which net/url refuses: %v", body, err)
			}
			for k, vs := range q {
				if len(vs) != 1 {
					t.Fatalf("%q: parameter %q given %d times, accepted", body, k, len(vs))
				}
				want[k] = vs[0]
			}
		case js:
			if err := json.Unmarshal(body, &want); err != nil {
				t.Fatalf("accepted %q, which is no JSON object of strings: %v", body, err)
			}
		default:
			t.Fatalf("accepted a body of media type %q", mt)
		}
		for k, v := range want {
			if v == "" {
				delete(want, k) // RFC 6749 §3.2: an empty parameter is an omitted one
			}
		}
		if len(params) != len(want) {
			t.Fatalf("%q: took %v, want %v", body, params, want)
		}
		for k, v := range want {
			if got := params[k]; len(got) != 1 || got[0] != v {
				t.Fatalf("%q: parameter %q = %q, want %q", body, k, got, v)
			}
		}
	})
}
