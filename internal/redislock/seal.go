package redislock

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
)

// MinSecretBytes is the shortest fleet secret the stores take.
const MinSecretBytes = 32

// macSize is the length of the MAC that starts a sealed record.
const macSize = sha256.Size

// Sealer authenticates the records a fleet shares in Redis: HMAC-SHA256
// under the fleet's secret over the Redis key and the record, so that a
// record is good only under the key it was written for, and write access
// to Redis is not the power to plant one. The zero Sealer (a Redis
// trusted with InsecureTrustRedis) stores and reads records as they are.
type Sealer struct{ secret []byte }

// NewSealer checks a store's Config.Secret and InsecureTrustRedis and
// returns their Sealer, holding a copy of secret.
func NewSealer(secret []byte, insecureTrustRedis bool) (Sealer, error) {
	switch {
	case insecureTrustRedis && secret != nil:
		return Sealer{}, errors.New("Config.Secret and InsecureTrustRedis are exclusive")
	case insecureTrustRedis:
		return Sealer{}, nil
	case len(secret) < MinSecretBytes:
		return Sealer{}, fmt.Errorf("Config.Secret must be at least %d random bytes (got %d), shared by the fleet; "+
			"set InsecureTrustRedis only if no one else can write to Redis", MinSecretBytes, len(secret))
	}
	return Sealer{secret: bytes.Clone(secret)}, nil
}

func (s Sealer) mac(key string, record []byte) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(key))
	m.Write([]byte{0})
	m.Write(record)
	return m.Sum(nil)
}

// Seal returns what is stored under key for record.
func (s Sealer) Seal(key string, record []byte) []byte {
	if s.secret == nil {
		return record
	}
	return append(s.mac(key, record), record...)
}

// Open returns the record stored under key as v; ok is false if v was
// not sealed under key with the secret.
func (s Sealer) Open(key string, v []byte) (record []byte, ok bool) {
	if s.secret == nil {
		return v, true
	}
	if len(v) < macSize || !hmac.Equal(v[:macSize], s.mac(key, v[macSize:])) {
		return nil, false
	}
	return v[macSize:], true
}
