package redisstore

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
)

// MinSecretBytes is the least length of Config.Secret.
const MinSecretBytes = 32

// macSize is the length of the MAC that starts an authenticated record.
const macSize = sha256.Size

// authenticator seals and opens the records of one Store: HMAC-SHA256
// under the fleet's secret over the Redis key and the record, so that a
// record is good only under the key it was written for. With no secret
// (InsecureTrustRedis) records are stored and read as they are.
type authenticator struct{ secret []byte }

func (a authenticator) mac(key string, record []byte) []byte {
	m := hmac.New(sha256.New, a.secret)
	m.Write([]byte(key))
	m.Write([]byte{0})
	m.Write(record)
	return m.Sum(nil)
}

// seal returns what is stored under key for record.
func (a authenticator) seal(key string, record []byte) []byte {
	if a.secret == nil {
		return record
	}
	return append(a.mac(key, record), record...)
}

// open returns the record stored under key as v, or an error matching
// ErrInvalidDocument if v was not sealed under key with the secret.
func (a authenticator) open(key string, v []byte) ([]byte, error) {
	if a.secret == nil {
		return v, nil
	}
	if len(v) < macSize || !hmac.Equal(v[:macSize], a.mac(key, v[macSize:])) {
		return nil, fmt.Errorf("%w: not authenticated with the fleet's secret (written without Config.Secret, with another one, or by someone else)", ErrInvalidDocument)
	}
	return v[macSize:], nil
}
