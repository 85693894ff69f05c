package cache

import (
	"context"
	"time"
)

// Document is a JWKS response as fetched from the provider.
type Document struct {
	URL          string
	Issuer       string
	Body         []byte
	FetchedAt    time.Time
	ETag         string
	LastModified string
	// MaxAge is the Cache-Control max-age of the response: zero if it gave
	// none, the shortest positive duration for no-cache or no-store.
	MaxAge time.Duration
}

// FetchFunc fetches the document from the provider.
type FetchFunc func(ctx context.Context) (*Document, error)

// Store shares documents between caches in several processes, so that one
// of them fetches from the provider and the others read its result. A warm
// look-up never calls a Store; one that waits for a refresh (no keys yet,
// hard expiry, an unknown kid) waits for the Store too, within its bounds.
// A Store is trusted: whoever can write to it can serve keys to every
// cache that reads it. Implementations must be safe for concurrent use;
// cache/redisstore is one.
type Store interface {
	// Fetch returns a document for url that was fetched after the given
	// time: one another process shared, or the result of calling fetch,
	// which Fetch then shares. When the store cannot be used, Fetch calls
	// fetch itself and passes the store's error to report.
	Fetch(ctx context.Context, url string, after time.Time, fetch FetchFunc, report func(error)) (*Document, error)
	// Get returns the shared document for url, or nil if there is none.
	Get(ctx context.Context, url string) (*Document, error)
	// Watch calls changed each time another process shares a new document
	// for url, until stop is called.
	Watch(url string, changed func()) (stop func(), err error)
}
