package redisstore

import (
	"errors"
	"fmt"

	"github.com/jwtguard/jwtguard/cache"
)

var (
	// errClosed is returned by a Store after Close (the cache reports it
	// and fetches for itself).
	errClosed = errors.New("redisstore: closed")
	// errInvalidDocument is wrapped by Get for a document in Redis that
	// must not serve: not a record of this version, for another URL,
	// fetched in the future, without a JWKS body, or not sealed with the
	// fleet's secret. It matches cache.ErrBadRecord: the cache reports it
	// and replaces the record.
	errInvalidDocument = fmt.Errorf("redisstore: invalid shared document (%w)", cache.ErrBadRecord)
)
