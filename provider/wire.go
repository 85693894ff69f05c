package provider

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// wireClaims is what a token's payload is decoded into, and it holds the
// Claims Verify returns.
//
// Claims are picked by their exact names (RFC 7519 §4: names are
// case-sensitive): encoding/json's struct decoding would also match "EXP",
// "Scope" or "ſcope", names an issuer's filter of reserved claims lets
// through. Before the signature is checked only what routing and the
// validator need is decoded (iss, aud, exp, nbf, iat); the rest waits
// until the token is verified, so an unsigned token costs one scan.
type wireClaims struct {
	json     []byte // the claims set
	doc      doc    // json, and as a string, for the claims' strings
	issuer   string
	audience jwt.ClaimStrings
	exp      numericDate
	nbf      numericDate
	iat      numericDate

	out Claims // what claims returns: one allocation for both
}

// UnmarshalJSON keeps a copy of the claims set and decodes what
// verification needs. encoding/json has checked that b is valid JSON.
func (w *wireClaims) UnmarshalJSON(b []byte) error { return w.decode(bytes.Clone(b)) }

// decode keeps the claims set b, which must be valid JSON and is the
// caller's to give, and decodes what verification needs.
func (w *wireClaims) decode(b []byte) error {
	w.json = b
	w.doc = doc{b: b, s: string(b)}
	d := &w.doc
	return members(w.json, func(name, v []byte) error {
		switch string(name) {
		case "iss":
			if s, ok := plainString(d, v); ok {
				w.issuer = s
				return nil
			}
			return json.Unmarshal(v, &w.issuer)
		case "aud":
			if s, ok := plainString(d, v); ok {
				w.audience = jwt.ClaimStrings{s}
				return nil
			}
			if l, ok := plainStrings(d, v); ok {
				w.audience = l
				return nil
			}
			return json.Unmarshal(v, &w.audience)
		case "exp":
			return w.exp.UnmarshalJSON(v)
		case "nbf":
			return w.nbf.UnmarshalJSON(v)
		case "iat":
			return w.iat.UnmarshalJSON(v)
		}
		return nil
	})
}

// claims returns the verified claims, decoding the rest of the set. A
// claim of an unexpected type reads as absent, so it grants nothing.
func (w *wireClaims) claims() *Claims {
	c := &w.out
	*c = Claims{
		Issuer:    w.issuer,
		Audience:  w.audience,
		ExpiresAt: w.exp.time(),
		IssuedAt:  w.iat.time(),
		NotBefore: w.nbf.time(),
		json:      w.json,
	}
	var clientID, azp string
	var scope, scp, cognitoGroups, groups, perms []byte // raw values, nil if absent
	d := &w.doc
	str := d.string
	_ = members(w.json, func(name, v []byte) error {
		switch string(name) {
		case "sub":
			c.Subject = str(v)
		case "jti":
			c.ID = str(v)
		case "client_id":
			clientID = str(v)
		case "azp":
			azp = str(v)
		case "token_use":
			c.TokenUse = str(v)
		case "gty":
			c.GrantType = str(v)
		case "scope":
			scope = v
		case "scp":
			scp = v
		case "cognito:groups":
			cognitoGroups = v
		case "groups":
			groups = v
		case "permissions":
			perms = v
		}
		return nil
	})
	c.ClientID = cmp.Or(clientID, azp)
	c.Scopes = decodeList(d, present(scope, scp), true)
	c.Groups = decodeList(d, present(cognitoGroups, groups), false)
	c.Permissions = decodeList(d, perms, false)
	return c
}

// present returns a if the claim it is was present, else b.
func present(a, b []byte) []byte {
	if a != nil {
		return a
	}
	return b
}

// str returns the JSON string v; another type is "".
func str(v []byte) string { return (*doc)(nil).string(v) }

// string returns the JSON string v, a subslice of d's document; another
// type is "".
func (d *doc) string(v []byte) string {
	if s, ok := plainString(d, v); ok {
		return s
	}
	var s string
	if len(v) > 0 && v[0] == '"' {
		_ = json.Unmarshal(v, &s)
	}
	return s
}

// numericDate is a NumericDate claim (exp, nbf, iat) held by value.
type numericDate struct {
	jwt.NumericDate
	set bool
}

func (d *numericDate) time() time.Time {
	if !d.set {
		return time.Time{}
	}
	return d.Time
}

// maxDate is the last second of the year 9999: later dates, or earlier
// than its negative, are refused rather than overflow a time.Time.
const maxDate = 253402300799

// UnmarshalJSON decodes a NumericDate (RFC 7519 §2): a JSON number of
// seconds, without allocating. Anything else — a number in a string,
// which golang-jwt would take, included — is an error: no issuer we know
// of sends one, and accepting it would let one token mean two things to
// two verifiers.
func (d *numericDate) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || b[0] != '-' && (b[0] < '0' || b[0] > '9') {
		return errors.New("a date must be a JSON number (RFC 7519 NumericDate)")
	}
	// encoding/json has checked b is a JSON number, which ParseFloat reads.
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return err
	}
	if math.Abs(f) > maxDate {
		return errors.New("date out of range")
	}
	sec, frac := math.Modf(f)
	d.Time = time.Unix(int64(sec), int64(frac*1e9)).Truncate(jwt.TimePrecision)
	d.set = true
	return nil
}

// decodeList decodes a JSON string (split on spaces if split is set, as
// RFC 6749 §3.3 separates scopes) or an array whose string elements it
// keeps; anything else is nothing. Empty strings are dropped.
func decodeList(d *doc, b []byte, split bool) []string {
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '"':
		s := d.string(b)
		if split {
			return scopeTokens(strings.Split(s, " "))
		}
		return nonEmpty([]string{s})
	case '[':
		if l, ok := plainStrings(d, b); ok {
			return nonEmpty(l)
		}
		var l []string
		if json.Unmarshal(b, &l) == nil {
			return nonEmpty(l)
		}
		// Not all strings: keep those that are.
		var elems []json.RawMessage
		if json.Unmarshal(b, &elems) != nil {
			return nil
		}
		l = make([]string, 0, len(elems))
		for _, e := range elems {
			var s string
			if len(e) > 0 && e[0] == '"' && json.Unmarshal(e, &s) == nil {
				l = append(l, s)
			}
		}
		return nonEmpty(l)
	}
	return nil
}

// scopeTokens keeps the valid scope-tokens of l: a tab or a non-breaking
// space does not separate scopes, and a token holding one is no scope.
func scopeTokens(l []string) []string {
	out := l[:0]
	for _, s := range l {
		if IsScopeToken(s) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func nonEmpty(l []string) []string {
	out := l[:0]
	for _, s := range l {
		if s != "" {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// IsScopeToken reports whether s is a scope-token (RFC 6749 §3.3): one or
// more printable ASCII characters but space, '"' and '\'.
func IsScopeToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return s != ""
}
