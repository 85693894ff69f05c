package m2m

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/jwtguard/jwtguard/dpop"
	"github.com/jwtguard/jwtguard/internal/share"
)

// mintFunc requests a new token from the token endpoint.
type mintFunc func(ctx context.Context) (*Token, error)

// ErrBadRecord is what a Store's Get wraps for a stored token that must
// not serve (it cannot be opened with the store's key, or is damaged): it
// counts as no token, is reported, and is replaced by the next mint.
var ErrBadRecord = fmt.Errorf("m2m: %w", share.ErrBadRecord)

// errLockTimeout is reported when another holder of a key's lock gave no
// token within the wait (half the source's or proxy's Timeout): the
// caller then mints for itself.
var errLockTimeout = errors.New("m2m: no token from the holder of the mint lock")

// Store keeps tokens under opaque keys — hex SHA-256 or HMAC-SHA256
// digests that reveal neither client ids nor secrets — with a lock per
// key. It only keeps records and locks; the TokenSource or proxy runs the
// protocol over it, so that among everyone who shares the store one
// caller at a time mints the token of a key: read the token, and if it
// will not do, take the key's lock, read again, mint, store — or, while
// another holds the lock, wait for its token (woken at its release where
// the store can tell, polling otherwise), taking the lock over if it is
// released without one. When the store fails, the caller mints without
// it. Implementations must be safe for concurrent use; m2m/redistoken is
// one.
type Store interface {
	// Get returns the token under key, nil if there is none, an error
	// wrapping ErrBadRecord for one that must not serve, or another error
	// if the store cannot be used.
	Get(ctx context.Context, key string) (*Token, error)
	// Lock tries once to take the mint lock of key, which lasts until
	// Unlock or a time of the store's (for a process that dies holding
	// it). It returns the owner token that releases the lock, or "" and,
	// if the store can tell, a channel closed when the holder releases it.
	Lock(ctx context.Context, key string) (owner string, released <-chan struct{}, err error)
	// Unlock releases the mint lock of key if owner still holds it.
	Unlock(ctx context.Context, key, owner string) error
	// Put keeps t under key until its expiry.
	Put(ctx context.Context, key string, t *Token) error
}

// errNoToken is what a mint that returned neither a token nor an error
// comes to.
var errNoToken = errors.New("m2m: the token request returned no token and no error")

// fetchToken returns a token from store for key that usable accepts, or
// the one mint makes holding the key's lock (kept in the store unless it
// expired on arrival); minted says whether mint ran here. wait bounds the
// wait for another holder's token. Once ctx is done, it returns an error
// wrapping ctx's, minting and reporting nothing.
func fetchToken(ctx context.Context, store Store, key string, usable func(*Token) bool, mint mintFunc,
	report func(error), wait time.Duration) (t *Token, minted bool, err error) {
	t, minted, err = share.Do(ctx, share.Store[Token](store), key, share.Options[Token]{
		Fresh:       usable,
		Produce:     mint,
		Shareable:   func(t *Token) bool { return !t.expiredOnArrival() },
		Report:      report,
		WaitFor:     wait,
		LockTimeout: errLockTimeout,
	})
	if err == nil && t == nil {
		return nil, minted, errNoToken
	}
	if err != nil && ctx.Err() != nil {
		return nil, minted, fmt.Errorf("m2m: waiting for a token: %w", err)
	}
	return t, minted, err
}

// keyWriter builds a store key from length-prefixed fields, so that no two
// different field lists give the same input to the digest.
type keyWriter struct{ h hash.Hash }

func newKey(domain string, mac []byte) keyWriter {
	k := keyWriter{h: sha256.New()}
	if mac != nil {
		k.h = hmac.New(sha256.New, mac)
	}
	k.add(domain)
	return k
}

func (k keyWriter) add(field string) keyWriter {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(field)))
	k.h.Write(n[:])
	k.h.Write([]byte(field))
	return k
}

func (k keyWriter) sum() string { return hex.EncodeToString(k.h.Sum(nil)) }

// normalScope sorts and de-duplicates the scopes of a space-separated
// list: the order of scopes does not change what a token grants.
func normalScope(scopes []string) string {
	s := slices.Clone(scopes)
	slices.Sort(s)
	return strings.Join(slices.Compact(s), " ")
}

// sourceKey is the store key of a TokenSource: the token URL, client id,
// client secret, audience, scopes and endpoint parameters, hashed. The
// secret is part of it, so that a source configured with a wrong or
// revoked secret never reads the token of the right one; the digest
// reveals neither (client secrets are long random strings, out of reach
// of a guess).
func sourceKey(c *Config) string {
	k := newKey("jwtguard/m2m/source/v2", nil).
		add(c.TokenURL).add(c.ClientID).add(c.ClientSecret).add(c.Audience).
		add(normalScope(c.Scopes)).add(resourceParams(c).Encode())
	if c.DPoPKey != nil {
		// A field of its own: endpoint parameters can name anything,
		// dpop_jkt included, and must not make a bearer source's key.
		jkt, _ := dpop.Thumbprint(c.DPoPKey.Public()) // checked by New
		k = k.add(jkt)
	}
	return k.sum()
}

// resourceParams are c's EndpointParams with its Resource, the parameters
// that tell one token from another (audience has its own place in the
// key, as it had before Resource).
func resourceParams(c *Config) url.Values {
	if len(c.Resource) == 0 {
		return c.EndpointParams
	}
	p := cloneValues(c.EndpointParams)
	if p == nil {
		p = make(url.Values)
	}
	p["resource"] = c.Resource
	return p
}
