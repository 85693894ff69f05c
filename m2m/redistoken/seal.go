package redistoken

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"fmt"
)

// version is the first byte of a sealed value.
const version = 1

// sealer seals tokens with AES-GCM, binding each to the Redis key it is
// stored under (as additional data), so that a value copied to another key
// does not open.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (sealer, error) {
	switch len(key) {
	case 16, 24, 32:
	default:
		return sealer{}, fmt.Errorf("redistoken: Config.Key must be 16, 24 or 32 bytes (got %d)", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return sealer{}, fmt.Errorf("redistoken: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return sealer{}, fmt.Errorf("redistoken: %w", err)
	}
	return sealer{aead: aead}, nil
}

// seal returns version ‖ nonce ‖ ciphertext.
func (s sealer) seal(rk string, plain []byte) []byte {
	out := make([]byte, 1+s.aead.NonceSize(), 1+s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	out[0] = version
	_, _ = rand.Read(out[1:])
	return s.aead.Seal(out, out[1:1+s.aead.NonceSize()], plain, []byte(rk))
}

func (s sealer) open(rk string, b []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(b) < 1+n || b[0] != version {
		return nil, badRecord("is not a sealed value")
	}
	plain, err := s.aead.Open(nil, b[1:1+n], b[1+n:], []byte(rk))
	if err != nil { // GCM says no more than that it does not open
		return nil, badRecord("does not open with this key")
	}
	return plain, nil
}
