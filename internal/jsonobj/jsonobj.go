// Package jsonobj walks a JSON object's members while checking the
// document's syntax, in one pass: the claims and headers of tokens and
// DPoP proofs are read with it instead of encoding/json's reflection,
// which also matches names case-insensitively.
package jsonobj

import (
	"encoding/json"
	"errors"
)

var (
	errNotObject = errors.New("not a JSON object")
	errSyntax    = errors.New("invalid JSON")
)

// maxDepth is encoding/json's limit on nested arrays and objects.
const maxDepth = 10000

// Object walks the members of the JSON object B, checking its syntax on
// the way (RFC 8259, exactly what encoding/json.Valid accepts), in one
// pass and without allocating but for an escaped name:
//
//	o := jsonobj.Object{B: b}
//	for o.Next() {
//		// o.Name (unescaped), o.Value (raw)
//	}
//	if o.Err != nil { … }
//
// The document is valid only once Next returned false with Err nil: what
// follows the last member is checked last. Name may alias B.
type Object struct {
	B           []byte
	i           int
	Name, Value []byte
	state       uint8 // 0 before the object, 1 inside, 2 done
	Err         error
}

// Next moves to the next member; false at the end or on an error.
func (o *Object) Next() bool {
	b, i := o.B, o.i
	switch o.state {
	case 0:
		o.state = 1
		i = SkipSpace(b, 0)
		if i >= len(b) || b[i] != '{' {
			return o.fail(errNotObject)
		}
		if i = SkipSpace(b, i+1); i < len(b) && b[i] == '}' {
			return o.end(i + 1)
		}
	case 1:
		switch i = SkipSpace(b, i); {
		case i >= len(b):
			return o.fail(errSyntax)
		case b[i] == '}':
			return o.end(i + 1)
		case b[i] != ',':
			return o.fail(errSyntax)
		}
		i = SkipSpace(b, i+1)
	default:
		return false
	}
	if i >= len(b) || b[i] != '"' {
		return o.fail(errSyntax)
	}
	end, escaped := StringEnd(b, i)
	if end < 0 {
		return o.fail(errSyntax)
	}
	name := b[i+1 : end-1]
	if escaped {
		// "\u0065xp" is exp: names compare unescaped.
		var s string
		if json.Unmarshal(b[i:end], &s) != nil {
			return o.fail(errSyntax)
		}
		name = []byte(s)
	}
	if i = SkipSpace(b, end); i >= len(b) || b[i] != ':' {
		return o.fail(errSyntax)
	}
	i = SkipSpace(b, i+1)
	vend := scanValue(b, i, 1)
	if vend < 0 {
		return o.fail(errSyntax)
	}
	o.Name, o.Value, o.i = name, b[i:vend], vend
	return true
}

func (o *Object) fail(err error) bool {
	o.state, o.Err, o.Name, o.Value = 2, err, nil, nil
	return false
}

// end closes the object at i: only white space may follow.
func (o *Object) end(i int) bool {
	if SkipSpace(o.B, i) != len(o.B) {
		return o.fail(errSyntax)
	}
	o.state, o.Name, o.Value = 2, nil, nil
	return false
}

// SkipSpace returns the index of the first byte from i on that is not
// JSON white space.
func SkipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// StringEnd returns the index after the JSON string starting at b[i] (a
// quote) and whether it holds an escape; -1 if it is not a valid string.
// Like encoding/json, it does not check UTF-8.
func StringEnd(b []byte, i int) (int, bool) {
	escaped := false
	for i++; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1, escaped
		case c == '\\':
			escaped = true
			if i++; i >= len(b) {
				return -1, false
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(b) || !isHex(b[i+1]) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) {
					return -1, false
				}
				i += 4
			default:
				return -1, false
			}
		case c < 0x20:
			return -1, false
		}
	}
	return -1, false
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// scanValue returns the index after the JSON value starting at b[i],
// inside depth open arrays and objects; -1 if there is none.
func scanValue(b []byte, i, depth int) int {
	if i >= len(b) {
		return -1
	}
	switch c := b[i]; {
	case c == '"':
		end, _ := StringEnd(b, i)
		return end
	case c == '{' || c == '[':
		if depth++; depth > maxDepth {
			return -1
		}
		closing := byte('}')
		if c == '[' {
			closing = ']'
		}
		if i = SkipSpace(b, i+1); i < len(b) && b[i] == closing {
			return i + 1
		}
		for {
			if c == '{' {
				if i >= len(b) || b[i] != '"' {
					return -1
				}
				if i, _ = StringEnd(b, i); i < 0 {
					return -1
				}
				if i = SkipSpace(b, i); i >= len(b) || b[i] != ':' {
					return -1
				}
				i = SkipSpace(b, i+1)
			}
			if i = scanValue(b, i, depth); i < 0 {
				return -1
			}
			switch i = SkipSpace(b, i); {
			case i >= len(b):
				return -1
			case b[i] == closing:
				return i + 1
			case b[i] != ',':
				return -1
			}
			i = SkipSpace(b, i+1)
		}
	case c == 't':
		return literal(b, i, "true")
	case c == 'f':
		return literal(b, i, "false")
	case c == 'n':
		return literal(b, i, "null")
	case c == '-' || isDigit(c):
		return scanNumber(b, i)
	}
	return -1
}

func literal(b []byte, i int, lit string) int {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return -1
	}
	return i + len(lit)
}

// scanNumber returns the index after the JSON number at b[i], or -1.
func scanNumber(b []byte, i int) int {
	if b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return -1
	case b[i] == '0':
		i++
	case isDigit(b[i]):
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		if i++; i >= len(b) || !isDigit(b[i]) {
			return -1
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		if i++; i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return -1
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	return i
}

// Elements calls f with each element of the JSON array b (raw, without
// the white space around it) until f returns false; it reports whether b
// is an array, read up to where f stopped. It does not allocate.
func Elements(b []byte, f func(v []byte) bool) bool {
	i := SkipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return false
	}
	i = SkipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return SkipSpace(b, i+1) == len(b)
	}
	for {
		end := scanValue(b, i, 1)
		if end < 0 {
			return false
		}
		if !f(b[i:end]) {
			return true
		}
		i = SkipSpace(b, end)
		switch {
		case i < len(b) && b[i] == ',':
			i = SkipSpace(b, i+1)
		case i < len(b) && b[i] == ']':
			return SkipSpace(b, i+1) == len(b)
		default:
			return false
		}
	}
}
