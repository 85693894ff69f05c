package provider_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/jwtguard/jwtguard/internal/reasons"
	"github.com/jwtguard/jwtguard/provider"
)

// defaultMaxTokenBytes is VerifierConfig.MaxTokenBytes's default.
const defaultMaxTokenBytes = 16 << 10

// TestTokenTooLarge refuses a token over MaxTokenBytes before parsing it:
// nothing is fetched, whatever it holds.
func TestTokenTooLarge(t *testing.T) {
	iss := newIssuer(t, "RS256")
	p := oidcFor(t, iss)
	big := iss.Token("alice", testAudience, jwt.MapClaims{"pad": strings.Repeat("x", defaultMaxTokenBytes)})
	small := iss.Token("alice", testAudience, nil)
	tests := []struct {
		name     string
		maxBytes int
		token    string
		tooLarge bool
	}{
		{"signed token over the default", 0, big, true},
		{"one byte over the default", 0, strings.Repeat("a", defaultMaxTokenBytes+1), true},
		{"at the default", 0, strings.Repeat("a", defaultMaxTokenBytes), false},
		{"over a custom limit", len(small) - 1, small, true},
		{"at a custom limit", len(small), small, false},
		{"under a custom limit above the default", len(big), big, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier(t, provider.VerifierConfig{Providers: []provider.Provider{p}, MaxTokenBytes: tt.maxBytes})
			before := iss.Fetches()
			_, err := v.Verify(context.Background(), tt.token)
			if !tt.tooLarge {
				if provider.Reason(err) == "too_large" {
					t.Fatalf("Verify: %v, want no size error", err)
				}
				return
			}
			wantErr(t, err, reasons.TooLarge, provider.ErrInvalidToken, "too_large")
			if n := iss.Fetches() - before; n != 0 {
				t.Errorf("issuer saw %d JWKS fetches, want 0", n)
			}
		})
	}
}

// TestMalformed refuses tokens that are not three base64url segments of a
// JSON header and JSON claims, without fetching anything.
func TestMalformed(t *testing.T) {
	iss := newIssuer(t, "RS256")
	v := verifierFor(t, oidcFor(t, iss))
	good := iss.Token("alice", testAudience, nil)
	seg := strings.Split(good, ".")
	b64 := base64.RawURLEncoding.EncodeToString
	c := claims(iss, nil)
	rs := func(extra jwt.MapClaims) string { return iss.Sign("", claims(iss, extra)) }

	tests := []struct {
		name  string
		token string
	}{
		{"one segment", seg[0]},
		{"two segments", seg[0] + "." + seg[1]},
		{"four segments", good + "." + seg[2]},
		{"dots only", ".."},
		{"header not base64url", "!!!." + seg[1] + "." + seg[2]},
		{"claims not base64url", seg[0] + ".***." + seg[2]},
		{"signature not base64url", seg[0] + "." + seg[1] + ".%%%"},
		{"padded base64", seg[0] + "=." + seg[1] + "." + seg[2]},
		{"space before", " " + good},
		{"CR LF in the signature", seg[0] + "." + seg[1] + "." + seg[2][:10] + "\r\n" + seg[2][10:]},
		{"LF in the header", seg[0][:4] + "\n" + seg[0][4:] + "." + seg[1] + "." + seg[2]},
		{"NUL in the claims", seg[0] + "." + seg[1][:4] + "\x00" + seg[1][4:] + "." + seg[2]},
		{"standard base64 characters", seg[0] + "." + seg[1] + "." + strings.NewReplacer("-", "+", "_", "/").Replace(seg[2]) + "+/"},
		{"header not JSON", b64([]byte(`{"alg":"RS256"`)) + "." + seg[1] + "." + seg[2]},
		{"header a JSON array", b64([]byte(`["RS256"]`)) + "." + seg[1] + "." + seg[2]},
		{"claims not JSON", seg[0] + "." + b64([]byte(`{"iss":`)) + "." + seg[2]},
		{"claims a JSON string", seg[0] + "." + b64([]byte(`"alice"`)) + "." + seg[2]},
		{"exp a word", rs(jwt.MapClaims{"exp": "soon"})},
		{"exp an object", rs(jwt.MapClaims{"exp": map[string]any{}})},
		{"nbf a bool", rs(jwt.MapClaims{"nbf": true})},
		{"iss a number", seg[0] + "." + b64(must(jwtJSON(c, "iss", 7))) + "." + seg[2]},
		{"aud a number", rs(jwt.MapClaims{"aud": 7})},
		{"aud with a number", rs(jwt.MapClaims{"aud": []any{testAudience, 7}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), tt.token)
			wantErr(t, err, reasons.Malformed, provider.ErrInvalidToken, "malformed")
		})
	}
	if n := iss.Fetches(); n != 0 {
		t.Errorf("issuer saw %d JWKS fetches, want 0", n)
	}

	_, err := v.Verify(context.Background(), "")
	wantErr(t, err, nil, provider.ErrNoToken, "no_token")
}

// TestStrictBase64: a signature whose unused trailing bits differ is not
// the same token, though it decodes to the same bytes.
func TestStrictBase64(t *testing.T) {
	iss := newIssuer(t, "RS256")
	v := verifierFor(t, oidcFor(t, iss))
	token := iss.Sign("", claims(iss, nil))
	verifyOK(t, v, token)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, token[len(token)-1])
	// RSA-2048: 256 bytes, 342 characters; the last holds 2 bits and 4
	// unused ones.
	twin := token[:len(token)-1] + string(alphabet[last^1])
	_, err := v.Verify(context.Background(), twin)
	wantErr(t, err, reasons.Malformed, provider.ErrInvalidToken, "malformed")
}

// TestAlphabet: a byte outside the base64url alphabet, inserted in any
// segment or replacing a character of it, makes the token malformed,
// whatever the decoder would make of it — and a token that verified
// before (so it is in the token cache) is no exception.
func TestAlphabet(t *testing.T) {
	iss := newIssuer(t, "RS256")
	v := verifierFor(t, oidcFor(t, iss))
	token := iss.Sign("", claims(iss, nil))
	verifyOK(t, v, token)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	dot1, dot2 := strings.IndexByte(token, '.'), strings.LastIndexByte(token, '.')
	for c := range 256 {
		if strings.IndexByte(alphabet, byte(c)) >= 0 {
			continue
		}
		for _, at := range []int{0, 5, dot1 + 1, dot1 + 7, dot2 + 1, dot2 + 10, len(token)} {
			for _, replace := range []bool{false, true} {
				end := at
				if replace && at < len(token) && token[at] != '.' {
					end++
				}
				bad := token[:at] + string([]byte{byte(c)}) + token[end:]
				if _, err := v.Verify(context.Background(), bad); !errors.Is(err, reasons.Malformed) {
					t.Fatalf("byte %#x at %d (replacing: %v): %v, want malformed", c, at, replace, err)
				}
			}
		}
	}
	verifyOK(t, v, token)
}
