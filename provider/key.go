package provider

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"slices"
	"unsafe"

	"github.com/golang-jwt/jwt/v5"
	"github.com/jwtguard/jwtguard/internal/jwa"
	"github.com/jwtguard/jwtguard/internal/keycache"
	"github.com/jwtguard/jwtguard/internal/reasons"
)

// key checks the header h against the route and returns the key to
// verify the token with: the key for its kid, or the issuer's only key
// when it has none. The key's own alg, if it names one, must be the
// token's, and its type must fit the token's alg whatever the JWK says.
func (r *route) key(ctx context.Context, h *header) (keycache.Key, error) {
	alg := h.alg
	if !slices.Contains(r.algs, alg) {
		return keycache.Key{}, fmt.Errorf("%w: %q (issuer %q accepts %q)", reasons.Algorithm, alg, r.issuer, r.algs)
	}
	if h.crit {
		// RFC 7515 §4.1.11: extensions we do not understand mean reject.
		return keycache.Key{}, fmt.Errorf("%w: crit header not supported", reasons.Malformed)
	}
	if h.b64 {
		// RFC 7797 §6: b64 must be listed in crit (refused above); without
		// it the token is malformed, whatever its value.
		return keycache.Key{}, fmt.Errorf("%w: b64 header (RFC 7797) not supported", reasons.Malformed)
	}
	if h.hasKID && (!h.kidString || !saneKID(h.kid)) {
		return keycache.Key{}, fmt.Errorf("%w: kid must be 1 to 256 printable ASCII characters", reasons.KeyID)
	}
	// An absent kid asks for the only key: never "try every key".
	k, err := r.cache.Key(ctx, h.kid)
	if err != nil {
		return keycache.Key{}, r.keyError(err)
	}
	if a := k.Algorithm(); a != "" && a != alg {
		return keycache.Key{}, fmt.Errorf("%w: token alg %q, key alg %q", reasons.Algorithm, alg, a)
	}
	if !jwa.Fits(alg, k.Public()) {
		return keycache.Key{}, fmt.Errorf("%w: token alg %q, key of type %T", reasons.Algorithm, alg, k.Public())
	}
	return k, nil
}

// keyError maps a key look-up failure to the verifier's errors.
func (r *route) keyError(err error) error {
	if errors.Is(err, keycache.ErrKeyNotFound) { // first: a flood of random kids allocates nothing here
		return reasons.UnknownKey
	}
	var unavailable *keycache.UnavailableError
	switch {
	case errors.As(err, &unavailable):
		return &KeysUnavailableError{Issuer: r.issuer, RetryAfter: unavailable.RetryAfter, Err: unavailable}
	case errors.Is(err, keycache.ErrAmbiguousKey):
		return fmt.Errorf("%w: token has no kid and the issuer publishes several keys", reasons.KeyID)
	}
	return fmt.Errorf("%w: %w", reasons.UnknownKey, err)
}

// saneKID accepts 1 to 256 printable ASCII characters.
func saneKID(kid string) bool {
	if len(kid) == 0 || len(kid) > 256 {
		return false
	}
	for i := 0; i < len(kid); i++ {
		if kid[i] < 0x20 || kid[i] > 0x7e {
			return false
		}
	}
	return true
}

// verifySignature checks sig over the signing input with key under
// method, whose key type jwa.Fits has checked. RS256, RS384 and RS512 — what
// Cognito, Auth0 and most issuers sign with — are checked here, hashing
// the token where it lies (golang-jwt's method copies the input and
// allocates the hash); the other algorithms go through golang-jwt.
func verifySignature(method jwt.SigningMethod, input string, sig []byte, key any) error {
	m, ok := method.(*jwt.SigningMethodRSA)
	if !ok {
		return method.Verify(input, sig, key)
	}
	in := unsafe.Slice(unsafe.StringData(input), len(input)) // only read
	var digest []byte
	switch m.Hash {
	case crypto.SHA256:
		d := sha256.Sum256(in)
		digest = d[:]
	case crypto.SHA384:
		d := sha512.Sum384(in)
		digest = d[:]
	case crypto.SHA512:
		d := sha512.Sum512(in)
		digest = d[:]
	default:
		return method.Verify(input, sig, key)
	}
	return rsa.VerifyPKCS1v15(key.(*rsa.PublicKey), m.Hash, digest, sig)
}
