package dpopcheck

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"time"
)

// The least secret and period of Nonces, which middleware.New checks.
const (
	MinNonceSecretBytes = 32
	MinNoncePeriod      = time.Second
)

// Nonces issues and checks server nonces (RFC 9449 §8–9) without state:
// a nonce is a time bucket and an HMAC-SHA256 of it under the fleet's
// secret, so every replica accepts every replica's nonces, without Redis.
// A nonce is accepted during its bucket and the next, then rotates out.
// Safe for concurrent use.
type Nonces struct {
	secret []byte
	period time.Duration
}

// NewNonces returns Nonces under secret (MinNonceSecretBytes or more, the
// same on every replica) whose buckets last period (MinNoncePeriod or
// more; a minute is usual: a nonce then lives between one and two
// periods). The caller checks both: middleware.New does, naming its
// fields.
func NewNonces(secret []byte, period time.Duration) *Nonces {
	return &Nonces{secret: append([]byte(nil), secret...), period: period}
}

// Current returns the nonce of now's bucket, for a DPoP-Nonce header.
func (n *Nonces) Current() string { return n.nonce(n.bucket(time.Now())) }

// Valid reports whether nonce is the nonce of now's bucket or of the one
// before.
func (n *Nonces) Valid(nonce string) bool {
	raw, err := b64.Strict().DecodeString(nonce)
	if err != nil || len(raw) != 8+16 {
		return false
	}
	b := binary.BigEndian.Uint64(raw[:8])
	now := n.bucket(time.Now())
	if b != now && b+1 != now {
		return false
	}
	return hmac.Equal(raw[8:], n.mac(b))
}

func (n *Nonces) bucket(t time.Time) uint64 { return uint64(t.UnixNano() / int64(n.period)) }

func (n *Nonces) nonce(b uint64) string {
	raw := binary.BigEndian.AppendUint64(make([]byte, 0, 8+16), b)
	return b64.EncodeToString(append(raw, n.mac(b)...))
}

// mac is the first 16 bytes of HMAC-SHA256(secret, "jwtguard dpop nonce" || bucket).
func (n *Nonces) mac(b uint64) []byte {
	h := hmac.New(sha256.New, n.secret)
	h.Write([]byte("jwtguard dpop nonce"))
	h.Write(binary.BigEndian.AppendUint64(nil, b))
	return h.Sum(nil)[:16]
}
