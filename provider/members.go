package provider

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"
)

var errNotObject = errors.New("claims set is not a JSON object")

// members calls f with the name (unescaped) and raw value of each member
// of the JSON object b, in order. b must be valid JSON (json.Valid): the
// scan trusts its structure. name may alias b; f must not keep it.
func members(b []byte, f func(name, value []byte) error) error {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errNotObject
	}
	i = skipSpace(b, i+1)
	if b[i] == '}' {
		return nil
	}
	for {
		end, escaped := stringEnd(b, i)
		name := b[i+1 : end-1]
		if escaped {
			// "\u0065xp" is exp: compare names unescaped.
			var s string
			if err := json.Unmarshal(b[i:end], &s); err != nil {
				return err
			}
			name = []byte(s)
		}
		i = skipSpace(b, skipSpace(b, end)+1) // past the colon
		vend := valueEnd(b, i)
		if err := f(name, b[i:vend]); err != nil {
			return err
		}
		i = skipSpace(b, vend)
		if b[i] == '}' {
			return nil
		}
		i = skipSpace(b, i+1) // past the comma
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index after the string starting at b[i] (a quote)
// and whether it holds an escape.
func stringEnd(b []byte, i int) (int, bool) {
	escaped := false
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			escaped = true
			i++
		case '"':
			return i + 1, escaped
		}
	}
	return len(b), escaped
}

// valueEnd returns the index after the value starting at b[i].
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		end, _ := stringEnd(b, i)
		return end
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i, _ = stringEnd(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return len(b)
	}
	for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' && b[i] != '\t' && b[i] != '\n' && b[i] != '\r' {
		i++
	}
	return i
}

// doc is a JSON document as bytes and, converted once, as a string: a
// string read from it is a substring of that one conversion rather than a
// conversion (an allocation) of its own. A nil *doc converts each string.
type doc struct {
	b []byte
	s string
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

// plainStrings returns the JSON array v of plain strings (see
// plainString) as a slice; false for anything else.
func plainStrings(d *doc, v []byte) ([]string, bool) {
	if len(v) < 2 || v[0] != '[' {
		return nil, false
	}
	var out []string
	i := skipSpace(v, 1)
	if v[i] == ']' {
		return []string{}, true
	}
	for {
		if v[i] != '"' {
			return nil, false
		}
		end, escaped := stringEnd(v, i)
		if escaped {
			return nil, false
		}
		s, ok := plainString(d, v[i:end])
		if !ok {
			return nil, false
		}
		out = append(out, s)
		i = skipSpace(v, end)
		switch v[i] {
		case ']':
			return out, true
		case ',':
			i = skipSpace(v, i+1)
		default:
			return nil, false
		}
	}
}
