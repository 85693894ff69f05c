package redisstore

import (
	"errors"
	"fmt"

	"github.com/jwtguard/jwtguard/cache"
)

var (
	// ErrClosed is returned by a Store after Close (the cache reports it
	// and fetches for itself).
	ErrClosed = errors.New("redisstore: closed")
	// ErrInvalidDocument is wrapped by Get for a document in Redis that
	// must not serve: not a record of this version, for another URL,
	// fetched in the future, or without a JWKS body. It matches
	// cache.ErrBadRecord: the cache reports it and replaces the record.
	ErrInvalidDocument = fmt.Errorf("redisstore: invalid shared document (%w)", cache.ErrBadRecord)
)
