package provider

import (
	"cmp"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// wireClaims is what a token's payload is decoded into, once. It
// implements jwt.Claims over its own fields, so that golang-jwt validates
// exp and nbf without allocating, and it holds the Claims Verify returns.
type wireClaims struct {
	Issuer        string           `json:"iss"`
	Subject       string           `json:"sub"`
	Audience      jwt.ClaimStrings `json:"aud"`
	ExpiresAt     numericDate      `json:"exp"`
	NotBefore     numericDate      `json:"nbf"`
	IssuedAt      numericDate      `json:"iat"`
	ID            string           `json:"jti"`
	Scope         spaceList        `json:"scope"`
	Scp           spaceList        `json:"scp"`
	CognitoGroups stringList       `json:"cognito:groups"`
	Groups        stringList       `json:"groups"`
	Permissions   stringList       `json:"permissions"`
	ClientID      string           `json:"client_id"`
	AZP           string           `json:"azp"`
	TokenUse      string           `json:"token_use"`
	GTY           string           `json:"gty"`

	out Claims // what claims returns: one allocation for both
}

var _ jwt.Claims = (*wireClaims)(nil)

func (w *wireClaims) GetExpirationTime() (*jwt.NumericDate, error) { return w.ExpiresAt.get(), nil }
func (w *wireClaims) GetNotBefore() (*jwt.NumericDate, error)      { return w.NotBefore.get(), nil }
func (w *wireClaims) GetIssuedAt() (*jwt.NumericDate, error)       { return w.IssuedAt.get(), nil }
func (w *wireClaims) GetIssuer() (string, error)                   { return w.Issuer, nil }
func (w *wireClaims) GetSubject() (string, error)                  { return w.Subject, nil }
func (w *wireClaims) GetAudience() (jwt.ClaimStrings, error)       { return w.Audience, nil }

// claims returns the verified claims; payload is the token's claims
// segment, for Decode.
func (w *wireClaims) claims(payload string) *Claims {
	w.out = Claims{
		Issuer:      w.Issuer,
		Subject:     w.Subject,
		Audience:    w.Audience,
		ExpiresAt:   w.ExpiresAt.time(),
		IssuedAt:    w.IssuedAt.time(),
		NotBefore:   w.NotBefore.time(),
		ID:          w.ID,
		ClientID:    cmp.Or(w.ClientID, w.AZP),
		TokenUse:    w.TokenUse,
		Scopes:      orList(w.Scope, w.Scp),
		Groups:      orList(w.CognitoGroups, w.Groups),
		Permissions: w.Permissions,
		GrantType:   w.GTY,
		payload:     payload,
	}
	return &w.out
}

func orList[L ~[]string](a, b L) []string {
	if len(a) > 0 {
		return a
	}
	return b
}

// numericDate is a NumericDate claim (exp, nbf, iat) held by value.
type numericDate struct {
	jwt.NumericDate
	set bool
}

// get returns the date for golang-jwt's validator: nil if the claim is
// absent.
func (d *numericDate) get() *jwt.NumericDate {
	if !d.set {
		return nil
	}
	return &d.NumericDate
}

func (d *numericDate) time() time.Time {
	if !d.set {
		return time.Time{}
	}
	return d.Time
}

// UnmarshalJSON decodes what jwt.NumericDate does, a plain number without
// allocating.
func (d *numericDate) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9') {
		// encoding/json has checked b is a JSON number, which ParseFloat
		// reads.
		f, err := strconv.ParseFloat(string(b), 64)
		if err != nil {
			return err
		}
		sec, frac := math.Modf(f)
		d.Time = time.Unix(int64(sec), int64(frac*1e9)).Truncate(jwt.TimePrecision)
	} else if err := d.NumericDate.UnmarshalJSON(b); err != nil {
		// A number in a string, as golang-jwt accepts, or an error.
		return err
	}
	d.set = true
	return nil
}

// stringList decodes a string or an array of strings. Other values decode
// to nothing rather than failing the token: a claim this library reads
// for authorization then simply grants nothing.
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	*l = decodeList(b, false)
	return nil
}

// spaceList is a stringList whose string form is space-separated (scope).
type spaceList []string

func (l *spaceList) UnmarshalJSON(b []byte) error {
	*l = decodeList(b, true)
	return nil
}

// decodeList decodes a JSON string (split on spaces if split is set) or
// an array whose string elements it keeps; anything else is nothing. Empty
// strings are dropped.
func decodeList(b []byte, split bool) []string {
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '"':
		var s string
		if json.Unmarshal(b, &s) != nil {
			return nil
		}
		if split {
			return strings.Fields(s)
		}
		if s == "" {
			return nil
		}
		return []string{s}
	case '[':
		var l []string
		if json.Unmarshal(b, &l) != nil {
			// Not all strings: keep those that are.
			var raw []any
			if json.Unmarshal(b, &raw) != nil {
				return nil
			}
			l = make([]string, 0, len(raw))
			for _, v := range raw {
				if s, ok := v.(string); ok {
					l = append(l, s)
				}
			}
		}
		return slices.DeleteFunc(l, func(s string) bool { return s == "" })
	}
	return nil
}
