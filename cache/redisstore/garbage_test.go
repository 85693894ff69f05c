package redisstore_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/cache/redisstore"
)

// storedRecord returns a valid stored document as a map, to be spoiled.
func storedRecord(fetchedAt time.Time) map[string]any {
	return map[string]any{
		"version":    1,
		"url":        testURL,
		"issuer":     "https://idp.example/",
		"fetched_at": fetchedAt.Format(time.RFC3339Nano),
		"etag":       `"v1"`,
		"body":       base64.StdEncoding.EncodeToString([]byte(jwks)),
	}
}

// A record that is not sealed with the fleet's secret, for its own Redis
// key, is never served, however well-formed: it is reported and replaced.
func TestUnauthenticatedRecordIsNeverServed(t *testing.T) {
	valid := mustJSON(t, storedRecord(time.Now().Add(-time.Minute)))
	tests := []struct {
		name  string
		plant func(t *testing.T, b *backend, s *redisstore.Store) []byte
	}{
		{"no MAC", func(*testing.T, *backend, *redisstore.Store) []byte { return []byte(valid) }},
		{"another fleet's secret", func(t *testing.T, b *backend, _ *redisstore.Store) []byte {
			other := b.store(t, func(c *redisstore.Config) { c.Secret = []byte("another fleet's secret, 32 bytes.") })
			return redisstore.Seal(other, testURL, []byte(valid))
		}},
		{"sealed for another key", func(_ *testing.T, _ *backend, s *redisstore.Store) []byte {
			return redisstore.Seal(s, otherURL, []byte(valid))
		}},
		{"MAC cut short", func(_ *testing.T, _ *backend, s *redisstore.Store) []byte {
			return redisstore.Seal(s, testURL, []byte(valid))[1:]
		}},
	}
	forEachBackend(t, func(t *testing.T, b *backend) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				b := b.fresh(t)
				ctx := context.Background()
				s := b.store(t, nil)
				if err := b.client(t).Set(ctx, s.Key(testURL), tt.plant(t, b, s), time.Minute).Err(); err != nil {
					t.Fatal(err)
				}
				doc, err := s.Get(ctx, testURL)
				if doc != nil || !invalidDocument(err) || !strings.Contains(err.Error(), "not authenticated") {
					t.Fatalf("Get = %+v, %v; want no document and an authentication failure", doc, err)
				}
				var f fetcher
				var r reports
				if doc, err = fetchVia(ctx, s, time.Time{}, f.fetch, r.report); err != nil || f.calls.Load() != 1 {
					t.Fatalf("Fetch = %v after %d fetches; want a fetch of its own", err, f.calls.Load())
				}
				if now, err := s.Get(ctx, testURL); err != nil || now == nil || !sameDoc(now, doc) {
					t.Fatalf("after Fetch Get = %+v, %v; want the fetched document, sealed", now, err)
				}
			})
		}
	})
}

func TestInvalidSharedDocumentIsNeverServed(t *testing.T) {
	past := time.Now().Add(-time.Minute)
	spoil := func(f func(r map[string]any)) string {
		r := storedRecord(past)
		f(r)
		b, _ := json.Marshal(r)
		return string(b)
	}
	body := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name   string
		stored string
	}{
		{"not JSON", "<html>502 Bad Gateway</html>"},
		{"JSON of another shape", `["keys"]`},
		{"another version", spoil(func(r map[string]any) { r["version"] = 2 })},
		{"no version", spoil(func(r map[string]any) { delete(r, "version") })},
		{"another URL", spoil(func(r map[string]any) { r["url"] = "https://evil.example/jwks.json" })},
		{"body not base64", spoil(func(r map[string]any) { r["body"] = "{not base64!}" })},
		{"body not JSON", spoil(func(r map[string]any) { r["body"] = body("<html></html>") })},
		{"body without keys", spoil(func(r map[string]any) { r["body"] = body(`{"keys":[]}`) })},
		{"body of another shape", spoil(func(r map[string]any) { r["body"] = body(`{"keys":"k1"}`) })},
		{"no fetch time", spoil(func(r map[string]any) { delete(r, "fetched_at") })},
		{"fetch time in the future", spoil(func(r map[string]any) {
			r["fetched_at"] = time.Now().Add(time.Hour).Format(time.RFC3339Nano)
		})},
		{"negative max-age", spoil(func(r map[string]any) { r["max_age_ns"] = -1 })},
	}
	forEachBackend(t, func(t *testing.T, b *backend) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				b := b.fresh(t)
				ctx := context.Background()
				s := b.store(t, nil)
				// Sealed with the fleet's secret: each check is the record's own.
				if err := b.client(t).Set(ctx, s.Key(testURL), redisstore.Seal(s, testURL, []byte(tt.stored)), time.Minute).Err(); err != nil {
					t.Fatal(err)
				}

				doc, err := s.Get(ctx, testURL)
				if doc != nil || !invalidDocument(err) || !hasPrefix(err) {
					t.Fatalf("Get = %+v, %v; want no document and an invalid shared document", doc, err)
				}

				var f fetcher
				var r reports
				doc, err = fetchVia(ctx, s, time.Time{}, f.fetch, r.report)
				if err != nil || f.calls.Load() != 1 {
					t.Fatalf("Fetch = %v after %d fetches; want a fetch of its own", err, f.calls.Load())
				}
				if errs := r.all(); len(errs) != 1 || !invalidDocument(errs[0]) {
					t.Fatalf("reported %v; want an invalid shared document once", errs)
				}
				// The fetched document replaced the invalid one.
				if now, err := s.Get(ctx, testURL); err != nil || now == nil || !sameDoc(now, doc) {
					t.Fatalf("after Fetch Get = %+v, %v; want the fetched document", now, err)
				}
			})
		}
	})
}

func TestUnusableFetchIsNotShared(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *backend) {
		ctx := context.Background()
		s := b.store(t, nil)
		tests := []struct {
			name string
			doc  *cache.Document
		}{
			{"body not a JWKS", &cache.Document{URL: testURL, Body: []byte("<html>"), FetchedAt: time.Now()}},
			{"empty key set", &cache.Document{URL: testURL, Body: []byte(`{"keys":[]}`), FetchedAt: time.Now()}},
			{"another URL", &cache.Document{URL: "https://other.example/jwks", Body: []byte(jwks), FetchedAt: time.Now()}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				fetch := func(context.Context) (*cache.Document, error) { return tt.doc, nil }
				var r reports
				got, err := fetchVia(ctx, s, time.Time{}, fetch, r.report)
				if err != nil || got != tt.doc {
					t.Fatalf("Fetch = %v, %v; want the fetched document handed to the cache", got, err)
				}
				if errs := r.all(); len(errs) != 1 || !strings.Contains(errs[0].Error(), "redisstore: not sharing") {
					t.Fatalf("reported %v; want the refusal to share", errs)
				}
				if shared, err := s.Get(ctx, testURL); shared != nil || err != nil {
					t.Fatalf("Get = %+v, %v; want nothing shared", shared, err)
				}
			})
		}
	})
}
