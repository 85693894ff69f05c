package redisstore

import "errors"

var (
	// ErrClosed is returned by a Store after Close (Fetch reports it and
	// fetches directly).
	ErrClosed = errors.New("redisstore: closed")
	// ErrInvalidDocument is reported for a document in Redis that must not
	// serve: not a record of this version, for another URL, fetched in the
	// future, or without a JWKS body. The store ignores it and fetches.
	ErrInvalidDocument = errors.New("redisstore: invalid shared document")
	// ErrLockTimeout is reported when another replica held the fetch lock
	// for LockTTL (or half the refresh's time) without sharing a document;
	// the waiting replica then fetches for itself.
	ErrLockTimeout = errors.New("redisstore: no document from the replica holding the fetch lock")
)
