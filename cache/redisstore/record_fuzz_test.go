package redisstore

import (
	"bytes"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/redislock"
)

const fuzzURL, fuzzKey = "https://idp.example/.well-known/jwks.json", "jwtguard:jwks:k"

var fuzzAuth = mustSealer([]byte("the fuzz tests' fleet secret, 32B"))

func mustSealer(secret []byte) redislock.Sealer {
	s, err := redislock.NewSealer(secret, false)
	if err != nil {
		panic(err)
	}
	return s
}

// fuzzNow is the clock of the fuzz targets: fixed, so that a finding
// replays.
var fuzzNow = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// FuzzDecode: what Redis holds is served only if it is sealed with the
// fleet's secret for its key, and then only as a record that is for the
// URL asked, fetched no later than the clock allows, with a JWKS body —
// and that survives encoding again unchanged. An input that opens must be
// exactly what seal makes of its record.
func FuzzDecode(f *testing.F) {
	rec, err := encode(&cache.Document{
		URL: fuzzURL, Issuer: "https://idp.example/", FetchedAt: fuzzNow.Add(-time.Minute), ETag: `"v1"`,
		Body: []byte(`{"keys":[{"kty":"EC","crv":"P-256","kid":"k1","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`),
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(fuzzAuth.Seal(fuzzKey, rec))
	f.Add(rec)
	f.Add(fuzzAuth.Seal(fuzzKey, []byte(`{"version":1}`)))
	f.Fuzz(func(t *testing.T, stored []byte) {
		record, ok := fuzzAuth.Open(fuzzKey, stored)
		if !ok {
			return
		}
		if !bytes.Equal(fuzzAuth.Seal(fuzzKey, record), stored) {
			t.Fatalf("opened %q, which seal did not make", stored)
		}
		doc, err := decode(record, fuzzURL, fuzzNow)
		if err != nil {
			return
		}
		if doc.URL != fuzzURL || doc.FetchedAt.IsZero() || doc.FetchedAt.After(fuzzNow.Add(maxClockSkew)) || doc.MaxAge < 0 || checkBody(doc.Body) != nil {
			t.Fatalf("served %+v from %q", doc, record)
		}
		again, err := encode(doc)
		if err != nil {
			t.Fatal(err)
		}
		if doc2, err := decode(again, fuzzURL, fuzzNow); err != nil || doc2.Issuer != doc.Issuer || !doc2.FetchedAt.Equal(doc.FetchedAt) ||
			!bytes.Equal(doc2.Body, doc.Body) || doc2.ETag != doc.ETag || doc2.MaxAge != doc.MaxAge {
			t.Fatalf("%+v does not survive encoding again: %+v, %v", doc, doc2, err)
		}
	})
}
