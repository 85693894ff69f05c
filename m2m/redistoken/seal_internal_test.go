package redistoken

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/m2m"
)

// A sealed value opens only with the same key, under the same Redis key,
// undamaged.
func TestSeal(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	s, err := newSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	other, err := newSealer([]byte("fedcba9876543210fedcba9876543210"))
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte(`{"access_token":"secret token"}`)
	sealed := s.seal("k1", plain)
	if bytes.Contains(sealed, []byte("secret token")) {
		t.Fatal("sealed value holds the plaintext")
	}
	if again := s.seal("k1", plain); bytes.Equal(again, sealed) {
		t.Fatal("two seals of one value are equal: the nonce is not fresh")
	}
	if got, err := s.open("k1", sealed); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("open = %q, %v; want the plaintext", got, err)
	}
	damaged := bytes.Clone(sealed)
	damaged[len(damaged)-1] ^= 1
	const noOpen, notSealed = "does not open with this key", "is not a sealed value"
	tests := []struct {
		name string
		s    sealer
		rk   string
		b    []byte
		want string
	}{
		{"another key", other, "k1", sealed, noOpen},
		{"another Redis key", s, "k2", sealed, noOpen},
		{"damaged", s, "k1", damaged, noOpen},
		{"truncated", s, "k1", sealed[:5], notSealed},
		{"unknown version", s, "k1", append([]byte{9}, sealed[1:]...), notSealed},
		{"empty", s, "k1", nil, notSealed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.s.open(tt.rk, tt.b)
			if !errors.Is(err, m2m.ErrBadRecord) || !strings.HasPrefix(err.Error(), "redistoken: ") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("open = %q, %v; want a redistoken error wrapping m2m.ErrBadRecord that %s", got, err, tt.want)
			}
		})
	}
}
