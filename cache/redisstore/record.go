package redisstore

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/jwtguard/jwtguard/cache"
)

// recordVersion is the version of the encoding written to Redis. A record
// of another version is refused, so that replicas running an older release
// ignore what a newer one writes instead of misreading it.
const recordVersion = 1

// maxClockSkew is how far in the future a shared document's fetch time may
// be: replicas' clocks differ a little, but a document "fetched" later than
// that would look newer than every real fetch and stop all refreshes.
const maxClockSkew = time.Minute

// record is a cache.Document as stored in Redis: JSON, the body as base64.
type record struct {
	Version      int           `json:"version"`
	URL          string        `json:"url"`
	Issuer       string        `json:"issuer"`
	FetchedAt    time.Time     `json:"fetched_at"`
	ETag         string        `json:"etag,omitempty"`
	LastModified string        `json:"last_modified,omitempty"`
	MaxAge       time.Duration `json:"max_age_ns,omitempty"`
	Body         []byte        `json:"body"`
}

// encode returns the stored form of doc.
func encode(doc *cache.Document) ([]byte, error) {
	return json.Marshal(record{
		Version:      recordVersion,
		URL:          doc.URL,
		Issuer:       doc.Issuer,
		FetchedAt:    doc.FetchedAt,
		ETag:         doc.ETag,
		LastModified: doc.LastModified,
		MaxAge:       doc.MaxAge,
		Body:         doc.Body,
	})
}

// decode parses a stored document and checks it is one to serve for url at
// now: the right version, URL, a fetch time not in the future, and a body
// shaped like a JWKS. Every failure matches errInvalidDocument.
func decode(b []byte, url string, now time.Time) (*cache.Document, error) {
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%w: %w", errInvalidDocument, err)
	}
	switch {
	case r.Version != recordVersion:
		return nil, fmt.Errorf("%w: version %d, want %d", errInvalidDocument, r.Version, recordVersion)
	case r.URL != url:
		return nil, fmt.Errorf("%w: document is for %q, want %q", errInvalidDocument, r.URL, url)
	case r.FetchedAt.IsZero():
		return nil, fmt.Errorf("%w: no fetch time", errInvalidDocument)
	case r.FetchedAt.After(now.Add(maxClockSkew)):
		return nil, fmt.Errorf("%w: fetch time %v is in the future", errInvalidDocument, r.FetchedAt)
	case r.MaxAge < 0:
		return nil, fmt.Errorf("%w: negative max-age", errInvalidDocument)
	}
	if err := checkBody(r.Body); err != nil {
		return nil, err
	}
	return &cache.Document{
		URL:          r.URL,
		Issuer:       r.Issuer,
		Body:         r.Body,
		FetchedAt:    r.FetchedAt,
		ETag:         r.ETag,
		LastModified: r.LastModified,
		MaxAge:       r.MaxAge,
	}, nil
}

// checkBody refuses a body that is not a JSON object with a non-empty
// "keys" array. It is a cheap structural check: the cache parses the keys
// and refuses what it cannot use.
func checkBody(body []byte) error {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return fmt.Errorf("%w: body is not a JWKS: %w", errInvalidDocument, err)
	}
	if len(set.Keys) == 0 {
		return fmt.Errorf("%w: body holds no keys", errInvalidDocument)
	}
	return nil
}
