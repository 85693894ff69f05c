package provider

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/jwtguard/jwtguard/internal/jsonobj"
	"github.com/jwtguard/jwtguard/internal/scope"
)

// wireClaims is what a token's payload is decoded into, and it holds the
// Claims Verify returns.
//
// Claims are picked by their exact names (RFC 7519 §4: names are
// case-sensitive): encoding/json's struct decoding would also match "EXP",
// "Scope" or "ſcope", names an issuer's filter of reserved claims lets
// through. The claims set is scanned once: what routing and the validator
// need (iss, aud, exp, nbf) is decoded on the way, and iat checked; of
// the rest only where each value lies is noted, and it is decoded once
// the token is verified, so an unsigned token costs one scan and no
// decoding.
type wireClaims struct {
	json     []byte // the claims set
	header   []byte // the token's header, in the same document
	doc      doc    // the document json lies in, for the claims' strings
	issuer   string
	audience []string
	exp      numericDate
	nbf      numericDate

	// Raw values of the claims decoded after verification; nil if absent.
	sub, jti, clientID, azp           []byte
	scope, scp, cognitoGroups, groups []byte
	cnf                               []byte

	// strs backs the claims' lists, so that they cost no allocation of
	// their own unless they are long.
	strs    []string
	backing [8]string
	out     Claims // what claims returns: one allocation for all of it
}

// decode scans the claims set b, a subslice of w.doc's document (which
// the caller hands over), and decodes what verification needs. It fails
// unless b is a valid JSON object.
func (w *wireClaims) decode(b []byte) error {
	w.json = b
	w.strs = w.backing[:0]
	d := &w.doc
	o := jsonobj.Object{B: b}
	for o.Next() {
		v := o.Value
		var err error
		switch string(o.Name) {
		case "iss":
			w.issuer, err = stringValue(d, v)
		case "aud":
			w.audience, err = w.decodeAudience(v)
		case "exp":
			err = w.exp.UnmarshalJSON(v)
		case "nbf":
			err = w.nbf.UnmarshalJSON(v)
		case "iat":
			_, err = jsonobj.NumericDate(v) // checked, not kept
		case "sub":
			w.sub = v
		case "jti":
			w.jti = v
		case "client_id":
			w.clientID = v
		case "azp":
			w.azp = v
		case "scope":
			w.scope = v
		case "scp":
			w.scp = v
		case "cognito:groups":
			w.cognitoGroups = v
		case "groups":
			w.groups = v
		case "cnf":
			w.cnf = v
		}
		if err != nil {
			return fmt.Errorf("%q: %w", o.Name, err)
		}
	}
	return o.Err
}

// stringValue decodes the JSON string v (iss must be one).
func stringValue(d *doc, v []byte) (string, error) {
	if s, ok := plainString(d, v); ok {
		return s, nil
	}
	var s string
	err := json.Unmarshal(v, &s)
	return s, err
}

// decodeAudience decodes aud: a string or an array of strings.
func (w *wireClaims) decodeAudience(v []byte) ([]string, error) {
	n := len(w.strs)
	if s, ok := plainString(&w.doc, v); ok {
		w.strs = append(w.strs, s)
		return w.strs[n:len(w.strs):len(w.strs)], nil
	}
	if l, ok := appendPlainStrings(&w.doc, v, w.strs); ok {
		w.strs = l
		return l[n:len(l):len(l)], nil
	}
	var aud jwt.ClaimStrings
	err := json.Unmarshal(v, &aud)
	return aud, err
}

// claims returns the verified claims, decoding the rest of the set. A
// claim of an unexpected type reads as absent, so it grants nothing.
func (w *wireClaims) claims() *Claims {
	c := &w.out
	d := &w.doc
	str := d.string
	*c = Claims{
		issuer:    w.issuer,
		subject:   str(w.sub),
		audience:  w.audience,
		expiresAt: w.exp.time(),
		id:        str(w.jti),
		clientID:  cmp.Or(str(w.clientID), str(w.azp)),
		json:      w.json,
		header:    w.header,
	}
	c.scopes = w.decodeList(present(w.scope, w.scp), true)
	c.groups = w.decodeList(present(w.cognitoGroups, w.groups), false)
	if len(w.cnf) > 0 && w.cnf[0] == '{' {
		// cnf.jkt (RFC 9449 §6.1); the object was checked by decode's scan.
		o := jsonobj.Object{B: w.cnf}
		for o.Next() {
			if string(o.Name) == "jkt" {
				c.boundKey = d.string(o.Value)
			}
		}
	}
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
// type (or no value) is "".
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

// numericDate is a NumericDate claim (exp, nbf) held by value.
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

// UnmarshalJSON decodes a NumericDate (RFC 7519 §2) as
// jsonobj.NumericDate does: a number in a string, which golang-jwt would
// take, is an error.
func (d *numericDate) UnmarshalJSON(b []byte) error {
	t, err := jsonobj.NumericDate(b)
	if err != nil {
		return err
	}
	d.Time = t.Truncate(jwt.TimePrecision)
	d.set = true
	return nil
}

// decodeList decodes a list claim (see decodeListTo) into w.strs.
func (w *wireClaims) decodeList(b []byte, split bool) []string {
	n := len(w.strs)
	w.strs = decodeListTo(&w.doc, b, split, w.strs)
	if len(w.strs) == n {
		return nil
	}
	return w.strs[n:len(w.strs):len(w.strs)]
}

// decodeListTo appends to dst the JSON string b (split on spaces if split
// is set, keeping valid scope-tokens, as RFC 6749 §3.3 separates scopes)
// or the string elements of the array b; anything else is nothing. Empty
// strings are dropped.
func decodeListTo(d *doc, b []byte, split bool, dst []string) []string {
	if len(b) == 0 {
		return dst
	}
	switch b[0] {
	case '"':
		s := d.string(b)
		if !split {
			if s == "" {
				return dst
			}
			return append(dst, s)
		}
		for s != "" {
			var tok string
			tok, s, _ = strings.Cut(s, " ")
			if scope.Valid(tok) {
				dst = append(dst, tok)
			}
		}
		return dst
	case '[':
		n := len(dst)
		if l, ok := appendPlainStrings(d, b, dst); ok {
			return dropEmpty(l, n)
		}
		// Escapes, or not all strings: keep the strings.
		var elems []json.RawMessage
		if json.Unmarshal(b, &elems) != nil {
			return dst
		}
		for _, e := range elems {
			var s string
			if len(e) > 0 && e[0] == '"' && json.Unmarshal(e, &s) == nil && s != "" {
				dst = append(dst, s)
			}
		}
		return dst
	}
	return dst
}

// dropEmpty removes the empty strings of l[n:].
func dropEmpty(l []string, n int) []string {
	out := l[:n]
	for _, s := range l[n:] {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
