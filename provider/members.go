package provider

import (
	"bytes"
	"unicode/utf8"
	"unsafe"

	"github.com/jwtguard/jwtguard/internal/jsonobj"
)

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
	i := jsonobj.SkipSpace(v, 1)
	if v[i] == ']' {
		return dst, true
	}
	for {
		if v[i] != '"' {
			return orig, false
		}
		end, escaped := jsonobj.StringEnd(v, i)
		if end < 0 || escaped {
			return orig, false
		}
		s, ok := plainString(d, v[i:end])
		if !ok {
			return orig, false
		}
		dst = append(dst, s)
		i = jsonobj.SkipSpace(v, end)
		switch v[i] {
		case ']':
			return dst, true
		case ',':
			i = jsonobj.SkipSpace(v, i+1)
		default:
			return orig, false
		}
	}
}
