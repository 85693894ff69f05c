package dpopcheck

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jwtguard/jwtguard/dpop"
	"github.com/jwtguard/jwtguard/internal/jsonobj"
	"github.com/jwtguard/jwtguard/internal/jwa"
)

// maxProofBytes is the longest proof Verify reads.
const maxProofBytes = 8 << 10

// maxJTIBytes bounds jti: a nonce-like identifier, not a payload.
const maxJTIBytes = 256

var b64 = base64.RawURLEncoding

// Algorithms are the proof algorithms accepted unless Options say
// otherwise, which the middleware's challenge announces too: asymmetric
// ones only, never "none" or HS*. Read it, never change it.
var Algorithms = []string{"ES256", "ES384", "ES512", "EdDSA", "PS256", "RS256"}

// Defaults of Options, documented on its fields.
const (
	defaultWindow = time.Minute
	defaultLeeway = 5 * time.Second
)

// Options are the rules a proof must meet besides the request's: those of
// middleware.DPoPConfig, which middleware.New checks.
type Options struct {
	// Algorithms accepted, each an asymmetric JWS algorithm (an algorithm
	// of another kind matches no proof). If nil, Algorithms.
	Algorithms []string
	// Window is how old a proof's iat may be. If zero, a minute.
	Window time.Duration
	// Leeway is how far in the future iat may be (clock skew). If zero, 5
	// seconds.
	Leeway time.Duration
	// Nonces, if not nil, are the server nonces a proof must carry one of
	// (RFC 9449 §8): without a valid one, dpop.ErrUseNonce.
	Nonces *Nonces
}

// Request is what a proof must match.
type Request struct {
	// Method is the request's HTTP method (htm).
	Method string
	// URI is the request's absolute URI as the client addressed it
	// (scheme, host, path; a query and a fragment are ignored), compared
	// with htu after RFC 3986 normalization. Behind a proxy, it is the
	// public URI, not the one the server sees.
	URI string
	// AccessToken, if the proof comes with one, must be what ath hashes.
	// Empty for a proof without a token (a token request).
	AccessToken string
}

// Verify checks proof, the value of a request's one DPoP header (at most
// 8 KiB), as RFC 9449 §4.3 says: a compact JWS of typ "dpop+jwt", signed
// with an allowed asymmetric algorithm by the public key in its jwk
// header (no private members); claims jti, htm equal to the request's
// method, htu equal to its URI (normalized, query and fragment ignored),
// iat within the window, ath the SHA-256 of the access token if one is
// presented, and one of the server's nonces if it asks for them
// (Options.Nonces). It does not check that jti is new, nor that the token
// is bound to the key (cnf.jkt = Proof.JKT): the caller does. Errors match
// dpop.ErrInvalidProof, their message and provider.Reason code saying
// which check failed, or dpop.ErrUseNonce. o is taken as it is:
// middleware.New checked it, once.
func Verify(proof string, r Request, o Options) (*dpop.Proof, error) {
	algs := o.Algorithms
	if algs == nil {
		algs = Algorithms
	}
	window, leeway := o.Window, o.Leeway
	if window == 0 {
		window = defaultWindow
	}
	if leeway == 0 {
		leeway = defaultLeeway
	}

	seg, err := split(proof)
	if err != nil {
		return nil, err
	}
	// Members by their exact names (encoding/json would also take "TYP"
	// or "Htm"); of a name given twice, the last.
	var h struct {
		Typ, Alg string
		JWK      []byte
	}
	obj := jsonobj.Object{B: seg[0]}
	for obj.Next() {
		switch string(obj.Name) {
		case "typ":
			h.Typ = jsonString(obj.Value)
		case "alg":
			h.Alg = jsonString(obj.Value)
		case "jwk":
			h.JWK = obj.Value
		}
	}
	if obj.Err != nil {
		return nil, fmt.Errorf("%w: header: %w", errMalformed, obj.Err)
	}
	var c struct {
		JTI, HTM, HTU, ATH, Nonce string
		IAT                       []byte
	}
	obj = jsonobj.Object{B: seg[1]}
	for obj.Next() {
		switch v := obj.Value; string(obj.Name) {
		case "jti":
			c.JTI = jsonString(v)
		case "htm":
			c.HTM = jsonString(v)
		case "htu":
			c.HTU = jsonString(v)
		case "iat":
			c.IAT = v
		case "ath":
			c.ATH = jsonString(v)
		case "nonce":
			c.Nonce = jsonString(v)
		}
	}
	if obj.Err != nil {
		return nil, fmt.Errorf("%w: claims: %w", errMalformed, obj.Err)
	}
	if len(c.JTI) > maxJTIBytes {
		return nil, fmt.Errorf("%w: jti over %d bytes", errMalformed, maxJTIBytes)
	}
	missing := ""
	switch {
	case c.JTI == "":
		missing = "jti"
	case c.HTM == "":
		missing = "htm"
	case c.HTU == "":
		missing = "htu"
	case c.IAT == nil:
		missing = "iat"
	case r.AccessToken != "" && c.ATH == "":
		missing = "ath"
	}
	if missing != "" {
		return nil, fmt.Errorf("%w: %s", errMissingClaim, missing)
	}
	if !strings.EqualFold(h.Typ, "dpop+jwt") {
		return nil, fmt.Errorf("%w: %q", errType, h.Typ)
	}
	if !slices.Contains(algs, h.Alg) {
		return nil, fmt.Errorf("%w: %q (accepted: %q)", errAlgorithm, h.Alg, algs)
	}
	key, k, err := parseJWK(h.JWK)
	if err != nil {
		return nil, err
	}
	if !jwa.Fits(h.Alg, key) {
		return nil, fmt.Errorf("%w: alg %q with a key of type %T", errAlgorithm, h.Alg, key)
	}
	if err := jwa.Methods[h.Alg].Verify(proof[:strings.LastIndexByte(proof, '.')], seg[2], key); err != nil {
		return nil, fmt.Errorf("%w: %w", errSignature, err)
	}

	if c.HTM != r.Method {
		return nil, fmt.Errorf("%w: %q, request %q", errMethod, c.HTM, r.Method)
	}
	want, err := normalizeURI(r.URI)
	if err != nil {
		return nil, fmt.Errorf("dpop: the request's URI %q: %w", r.URI, err)
	}
	if got, err := normalizeURI(c.HTU); err != nil || got != want {
		return nil, fmt.Errorf("%w: %q, request %q", errURI, c.HTU, want)
	}
	if o.Nonces != nil && !o.Nonces.Valid(c.Nonce) {
		return nil, dpop.ErrUseNonce
	}
	iat, err := jsonobj.NumericDate(c.IAT)
	if err != nil {
		return nil, fmt.Errorf("%w: iat: %w", errMalformed, err)
	}
	if now := time.Now(); iat.Before(now.Add(-window)) || iat.After(now.Add(leeway)) {
		return nil, fmt.Errorf("%w: issued at %s, now %s", errIssuedAt, iat.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if r.AccessToken != "" {
		sum := sha256.Sum256([]byte(r.AccessToken))
		if c.ATH != b64.EncodeToString(sum[:]) {
			return nil, errTokenHash
		}
	}
	jkt, err := thumbprintOf(key, k)
	if err != nil {
		return nil, err
	}
	return &dpop.Proof{JKT: jkt, Key: key, ID: c.JTI, IssuedAt: iat, Expires: iat.Add(window + leeway)}, nil
}

// split decodes the three segments of a compact JWS, strictly: base64url
// without padding, no CR or LF (which Go's decoder would skip).
func split(proof string) ([3][]byte, error) {
	var seg [3][]byte
	switch {
	case proof == "":
		return seg, fmt.Errorf("%w: empty", errMalformed)
	case len(proof) > maxProofBytes:
		return seg, fmt.Errorf("%w: over %d bytes", errMalformed, maxProofBytes)
	case strings.Count(proof, ".") != 2 || strings.ContainsAny(proof, "\r\n"):
		return seg, fmt.Errorf("%w: want three base64url segments", errMalformed)
	}
	for i, s := range strings.SplitN(proof, ".", 3) {
		b, err := b64.Strict().DecodeString(s)
		if err != nil {
			return seg, fmt.Errorf("%w: segment %d: %w", errMalformed, i+1, err)
		}
		seg[i] = b
	}
	return seg, nil
}

// jwk is a JWK as a proof's header carries it.
type jwk struct {
	Kty, Crv, X, Y, N, E string
}

// parseJWK returns the public key of the proof's jwk header and the
// members it was read from.
func parseJWK(raw []byte) (crypto.PublicKey, jwk, error) {
	var k jwk
	if len(raw) == 0 || raw[0] != '{' {
		return nil, k, fmt.Errorf("%w: no jwk object in the header", errKey)
	}
	o := jsonobj.Object{B: raw}
	for o.Next() {
		switch v := o.Value; string(o.Name) {
		case "kty":
			k.Kty = jsonString(v)
		case "crv":
			k.Crv = jsonString(v)
		case "x":
			k.X = jsonString(v)
		case "y":
			k.Y = jsonString(v)
		case "n":
			k.N = jsonString(v)
		case "e":
			k.E = jsonString(v)
		case "d", "p", "q", "dp", "dq", "qi", "oth", "k":
			return nil, k, fmt.Errorf("%w: the jwk holds a private key member (%s)", errKey, o.Name)
		}
	}
	if o.Err != nil {
		return nil, k, fmt.Errorf("%w: %w", errKey, o.Err)
	}
	dec := func(s string) []byte {
		b, err := b64.Strict().DecodeString(s)
		if err != nil {
			return nil
		}
		return b
	}
	switch k.Kty {
	case "RSA":
		n, e := dec(k.N), dec(k.E)
		if len(n) == 0 || len(e) == 0 || len(e) > 4 {
			return nil, k, fmt.Errorf("%w: RSA n and e", errKey)
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if b := pub.N.BitLen(); b < 2048 || b > 4096 || pub.E != 65537 && (pub.E < 3 || pub.E%2 == 0 || pub.E > 1<<17) {
			// Bounded: a proof is verified before the token's binding, so
			// any token holder chooses the key — not its cost.
			return nil, k, fmt.Errorf("%w: RSA keys of 2048 to 4096 bits, with a small odd exponent", errKey)
		}
		return pub, k, nil
	case "EC":
		var curve elliptic.Curve
		var size int // of a coordinate
		switch k.Crv {
		case "P-256":
			curve, size = elliptic.P256(), 32
		case "P-384":
			curve, size = elliptic.P384(), 48
		case "P-521":
			curve, size = elliptic.P521(), 66
		default:
			return nil, k, fmt.Errorf("%w: curve %q", errKey, k.Crv)
		}
		x, y := dec(k.X), dec(k.Y)
		if len(x) != size || len(y) != size {
			return nil, k, fmt.Errorf("%w: %s coordinates of %d bytes", errKey, k.Crv, size)
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, append(append([]byte{4}, x...), y...))
		if err != nil {
			return nil, k, fmt.Errorf("%w: %w", errKey, err)
		}
		return pub, k, nil
	case "OKP":
		x := dec(k.X)
		if k.Crv != "Ed25519" || len(x) != ed25519.PublicKeySize {
			return nil, k, fmt.Errorf("%w: OKP keys are Ed25519, 32 bytes", errKey)
		}
		return ed25519.PublicKey(x), k, nil
	}
	return nil, k, fmt.Errorf("%w: kty %q", errKey, k.Kty)
}

// normalizeURI returns the absolute http(s) URI s without query and
// fragment, normalized as RFC 3986 §6.2.2 and §6.2.3 say: scheme and host
// in lower case, the scheme's default port dropped, an empty path as "/",
// percent-encodings of unreserved characters decoded and the others in
// upper case.
func normalizeURI(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil {
		return "", err
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && scheme != "http" || u.Host == "" || u.Opaque != "" || u.User != nil {
		return "", errors.New("not an absolute http(s) URI")
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if scheme == "https" && port == "443" || scheme == "http" && port == "80" {
		port = ""
	}
	if strings.Contains(host, ":") { // IPv6
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	var b strings.Builder
	b.WriteString(scheme + "://" + host)
	for i := 0; i < len(path); i++ {
		c := path[i]
		if c != '%' || i+2 >= len(path) {
			b.WriteByte(c)
			continue
		}
		v, err := strconv.ParseUint(path[i+1:i+3], 16, 8)
		if err != nil {
			return "", errors.New("bad percent-encoding")
		}
		if unreserved(byte(v)) {
			b.WriteByte(byte(v))
		} else {
			b.WriteString("%" + strings.ToUpper(path[i+1:i+3]))
		}
		i += 2
	}
	return b.String(), nil
}

// unreserved reports an RFC 3986 unreserved character.
func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// jsonString returns the JSON string v, or "" for another type.
func jsonString(v []byte) string {
	if len(v) < 2 || v[0] != '"' {
		return ""
	}
	if in := v[1 : len(v)-1]; !bytes.ContainsRune(in, '\\') && utf8.Valid(in) {
		return string(in)
	}
	var s string
	_ = json.Unmarshal(v, &s)
	return s
}

// thumbprintOf is dpop.Thumbprint of key, parsed from the JWK members k: an EC
// or OKP JWK that parsed holds its coordinates in canonical form already
// (fixed sizes, strict base64url), so the thumbprint is made from its
// members as they are, without encoding the key again.
func thumbprintOf(key crypto.PublicKey, k jwk) (string, error) {
	var canonical string
	switch k.Kty {
	case "EC":
		canonical = `{"crv":"` + k.Crv + `","kty":"EC","x":"` + k.X + `","y":"` + k.Y + `"}`
	case "OKP":
		canonical = `{"crv":"` + k.Crv + `","kty":"OKP","x":"` + k.X + `"}`
	default:
		return dpop.Thumbprint(key)
	}
	sum := sha256.Sum256([]byte(canonical))
	return b64.EncodeToString(sum[:]), nil
}
