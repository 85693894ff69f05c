package keycache

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"testing"

	"github.com/MicahParks/jwkset"
)

// FuzzParse: a JWKS body parses into public RSA, EC or Ed25519 keys only —
// never a symmetric, private or encryption key — each kid once, the index
// by kid agreeing with the list; and a body that parses is a JSON object
// with a non-empty keys array.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"keys":[{"kty":"EC","crv":"P-256","kid":"k1","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`,
		`{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"e","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`,
		`{"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0"}]}`,
		`{"keys":[{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB","use":"enc"}]}`,
		`{"keys":[]}`, `null`, `{"keys":"x"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := parse(body)
		if err != nil {
			return
		}
		var doc struct {
			Keys []json.RawMessage `json:"keys"`
		}
		if json.Unmarshal(body, &doc) != nil || len(doc.Keys) == 0 {
			t.Fatalf("parsed %q, which has no keys array", body)
		}
		if len(p.list) == 0 || len(p.list) != len(p.byKID) {
			t.Fatalf("%d keys listed, %d by kid", len(p.list), len(p.byKID))
		}
		// Each key kept is the first usable one of its kid in the
		// document, as parsed on its own.
		first := make(map[string]jwkset.JWK)
		for _, raw := range doc.Keys {
			if j, err := parseKey(raw); err == nil {
				if _, dup := first[j.Marshal().KID]; !dup {
					first[j.Marshal().KID] = j
				}
			}
		}
		if len(first) != len(p.list) {
			t.Fatalf("%d usable kids in the document, %d keys kept", len(first), len(p.list))
		}
		for i := range p.list {
			k := &p.list[i]
			j, ok := first[k.id]
			if !ok {
				t.Fatalf("kept key %q, which no usable key of the document has", k.id)
			}
			m := j.Marshal()
			if p.byKID[m.KID] != k || k.alg != string(m.ALG) {
				t.Fatalf("kid %q does not index its key", m.KID)
			}
			if m.USE == jwkset.UseEnc || m.KTY == jwkset.KtyOct {
				t.Fatalf("kept key %+v", m)
			}
			switch pub := k.public.(type) {
			case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
				if !pub.(interface{ Equal(crypto.PublicKey) bool }).Equal(j.Key()) {
					t.Fatal("the key is not its JWK's")
				}
			default:
				t.Fatalf("kept a %T", k.public)
			}
		}
	})
}
