package provider

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"
	"unsafe"
)

var (
	errNotObject = errors.New("not a JSON object")
	errSyntax    = errors.New("invalid JSON")
)

// maxDepth is encoding/json's limit on nested arrays and objects.
const maxDepth = 10000

// object walks the members of the JSON object b, checking its syntax on
// the way (RFC 8259, exactly what encoding/json.Valid accepts), in one
// pass and without allocating:
//
//	o := object{b: b}
//	for o.next() {
//		// o.name (unescaped), o.value (raw)
//	}
//	if o.err != nil { … }
//
// The document is valid only once next returned false with err nil: what
// follows the last member is checked last. name may alias b.
type object struct {
	b           []byte
	i           int
	name, value []byte
	state       uint8 // 0 before the object, 1 inside, 2 done
	err         error
}

// next moves to the next member; false at the end or on an error.
func (o *object) next() bool {
	b, i := o.b, o.i
	switch o.state {
	case 0:
		o.state = 1
		i = skipSpace(b, 0)
		if i >= len(b) || b[i] != '{' {
			return o.fail(errNotObject)
		}
		if i = skipSpace(b, i+1); i < len(b) && b[i] == '}' {
			return o.end(i + 1)
		}
	case 1:
		switch i = skipSpace(b, i); {
		case i >= len(b):
			return o.fail(errSyntax)
		case b[i] == '}':
			return o.end(i + 1)
		case b[i] != ',':
			return o.fail(errSyntax)
		}
		i = skipSpace(b, i+1)
	default:
		return false
	}
	if i >= len(b) || b[i] != '"' {
		return o.fail(errSyntax)
	}
	end, escaped := scanString(b, i)
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
	if i = skipSpace(b, end); i >= len(b) || b[i] != ':' {
		return o.fail(errSyntax)
	}
	i = skipSpace(b, i+1)
	vend := scanValue(b, i, 1)
	if vend < 0 {
		return o.fail(errSyntax)
	}
	o.name, o.value, o.i = name, b[i:vend], vend
	return true
}

func (o *object) fail(err error) bool {
	o.state, o.err, o.name, o.value = 2, err, nil, nil
	return false
}

// end closes the object at i: only white space may follow.
func (o *object) end(i int) bool {
	if skipSpace(o.b, i) != len(o.b) {
		return o.fail(errSyntax)
	}
	o.state, o.name, o.value = 2, nil, nil
	return false
}

// members calls f with the name (unescaped) and raw value of each member
// of the JSON object b, in order, and fails if b is not a valid JSON
// object. name may alias b; f must not keep it.
func members(b []byte, f func(name, value []byte) error) error {
	o := object{b: b}
	for o.next() {
		if err := f(o.name, o.value); err != nil {
			return err
		}
	}
	return o.err
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// scanString returns the index after the JSON string starting at b[i] (a
// quote) and whether it holds an escape; -1 if it is not a valid string.
// Like encoding/json, it does not check UTF-8.
func scanString(b []byte, i int) (int, bool) {
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
		end, _ := scanString(b, i)
		return end
	case c == '{' || c == '[':
		if depth++; depth > maxDepth {
			return -1
		}
		closing := byte('}')
		if c == '[' {
			closing = ']'
		}
		if i = skipSpace(b, i+1); i < len(b) && b[i] == closing {
			return i + 1
		}
		for {
			if c == '{' {
				if i >= len(b) || b[i] != '"' {
					return -1
				}
				if i, _ = scanString(b, i); i < 0 {
					return -1
				}
				if i = skipSpace(b, i); i >= len(b) || b[i] != ':' {
					return -1
				}
				i = skipSpace(b, i+1)
			}
			if i = scanValue(b, i, depth); i < 0 {
				return -1
			}
			switch i = skipSpace(b, i); {
			case i >= len(b):
				return -1
			case b[i] == closing:
				return i + 1
			case b[i] != ',':
				return -1
			}
			i = skipSpace(b, i+1)
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

// doc is a JSON document as bytes and as a string over the same memory:
// a string read from it is a substring rather than a conversion (an
// allocation and a copy) of its own. A nil *doc converts each string.
type doc struct {
	b []byte
	s string
}

// docOf returns the document b, which must never change afterwards: the
// caller made it (a decoded token, or a copy) and hands it over.
func docOf(b []byte) doc {
	return doc{b: b, s: unsafe.String(unsafe.SliceData(b), len(b))}
}

// str returns in, a subslice of d.b, as a string.
func (d *doc) str(in []byte) string {
	if d == nil {
		return string(in)
	}
	off := cap(d.b) - cap(in) // in's offset in d.b: a subslice keeps the capacity to d.b's end
	return d.s[off : off+len(in)]
}

// plainString returns the JSON string v, a subslice of d's document,
// without its quotes when it holds no escape and is valid UTF-8, as most
// claims are: no decoder needed.
func plainString(d *doc, v []byte) (string, bool) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", false
	}
	in := v[1 : len(v)-1]
	if bytes.IndexByte(in, '\\') >= 0 || !utf8.Valid(in) {
		return "", false
	}
	return d.str(in), true
}

// appendPlainStrings appends the JSON array v of plain strings (see
// plainString) to dst; false, and dst as it was, for anything else.
func appendPlainStrings(d *doc, v []byte, dst []string) ([]string, bool) {
	if len(v) < 2 || v[0] != '[' {
		return dst, false
	}
	orig := dst
	i := skipSpace(v, 1)
	if v[i] == ']' {
		return dst, true
	}
	for {
		if v[i] != '"' {
			return orig, false
		}
		end, escaped := scanString(v, i)
		if end < 0 || escaped {
			return orig, false
		}
		s, ok := plainString(d, v[i:end])
		if !ok {
			return orig, false
		}
		dst = append(dst, s)
		i = skipSpace(v, end)
		switch v[i] {
		case ']':
			return dst, true
		case ',':
			i = skipSpace(v, i+1)
		default:
			return orig, false
		}
	}
}
