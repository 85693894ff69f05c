package cache

import (
	"context"
	"fmt"
	"time"

	"github.com/jwtguard/jwtguard/internal/share"
)

// Document is a JWKS response as fetched from the provider: what a Store
// keeps.
type Document struct {
	// URL is the JWKS URL it was fetched from, and Issuer the issuer
	// whose keys it holds; a cache refuses a document for another.
	URL    string
	Issuer string
	// Body is the response body, the JWKS.
	Body []byte
	// FetchedAt is when it was fetched, by the fetching process's clock:
	// its keys' lifetime starts then, on every replica.
	FetchedAt time.Time
	// ETag and LastModified are the response's validators, for the
	// next fetch's conditional request.
	ETag         string
	LastModified string
	// MaxAge is the Cache-Control max-age of the response: zero if it gave
	// none, the shortest positive duration for no-cache or no-store.
	MaxAge time.Duration
}

// ErrBadRecord is what a Store's Get wraps for a shared record that must
// not serve: garbage, another version, a seal that does not open. The
// cache reports it and replaces the record with a document it fetches.
var ErrBadRecord = fmt.Errorf("cache: %w", share.ErrBadRecord)

// Store shares documents between the caches of several processes, so
// that one of them fetches from the provider and the others read its
// result. It only keeps records and locks; the cache runs the protocol
// over it: read the shared document, and if it will not do, take the
// fetch lock, read again, fetch, share — or, while another process holds
// the lock, wait for its document (at most FetchTimeout, or half the
// refresh's time left), taking the lock over if it is released without
// one. When the store fails, the cache fetches for itself.
//
// A warm look-up never calls a Store. Implementations must be safe for
// concurrent use; cache/redisstore is one, for Redis.
type Store interface {
	// Get returns the shared document for url, nil if there is none, an
	// error wrapping ErrBadRecord for one that must not serve, or another
	// error if the store cannot be used.
	Get(ctx context.Context, url string) (*Document, error)
	// Lock tries once to take the fetch lock of url, which lasts until
	// Unlock or a time of the store's (its lock TTL, for a process that
	// dies holding it). It returns the owner token that releases the
	// lock, or "" and, if the store can tell, a channel closed when the
	// holder releases it (nil: the cache polls).
	Lock(ctx context.Context, url string) (owner string, released <-chan struct{}, err error)
	// Unlock releases the fetch lock of url if owner still holds it.
	Unlock(ctx context.Context, url, owner string) error
	// Put shares doc, fetched from url, and tells the Watches of the
	// other processes.
	Put(ctx context.Context, url string, doc *Document) error
	// Watch calls changed each time another process shares a new document
	// for url, until stop is called.
	Watch(url string, changed func()) (stop func(), err error)
}
