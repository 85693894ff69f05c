package m2m

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash"
	"slices"
	"strings"
)

// MintFunc requests a new token from the token endpoint.
type MintFunc func(ctx context.Context) (*Token, error)

// Store keeps tokens under opaque keys — hex SHA-256 or HMAC-SHA256
// digests that reveal neither client ids nor secrets — and makes sure
// that, among everyone who shares the store, one caller at a time mints
// the token of a key. Implementations must be safe for concurrent use;
// MemoryStore and m2m/redisstore are two.
type Store interface {
	// Fetch returns the token under key if usable accepts it. Otherwise
	// it calls mint — holding a lock on key, so that the others sharing
	// the store wait and read its result instead of minting too — keeps
	// the token mint returns until its expiry, and returns it. An error
	// from mint is returned as is, and nothing is kept; nor is a token
	// that expired on arrival (Expiry not after Issued). Concurrent
	// Fetches of one key in one process share one mint, its token or its
	// error — but not the error of a minter whose own ctx ended: a waiter
	// whose ctx is live tries again instead. When the store itself fails,
	// Fetch calls mint without it and passes the store's error to report;
	// but once ctx is done, a failure is no fault of the store's: Fetch
	// returns an error wrapping ctx's, reporting nothing and minting
	// nothing.
	Fetch(ctx context.Context, key string, usable func(*Token) bool, mint MintFunc, report func(error)) (*Token, error)
}

// errNoToken is what a Fetch that returned neither a token nor an error
// (a faulty Store) comes to.
var errNoToken = errors.New("m2m: store returned no token and no error")

// fetchToken is store.Fetch, with errNoToken for a faulty store's nil
// token without an error.
func fetchToken(ctx context.Context, store Store, key string, usable func(*Token) bool, mint MintFunc, report func(error)) (*Token, error) {
	t, err := store.Fetch(ctx, key, usable, mint, report)
	if err == nil && t == nil {
		return nil, errNoToken
	}
	return t, err
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
	return newKey("jwtguard/m2m/source/v2", nil).
		add(c.TokenURL).add(c.ClientID).add(c.ClientSecret).add(c.Audience).
		add(normalScope(c.Scopes)).add(c.EndpointParams.Encode()).sum()
}
