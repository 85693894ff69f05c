package jsonobj

import (
	"errors"
	"math"
	"strconv"
	"time"
)

// maxDate is the last second of the year 9999: later dates, or earlier
// than its negative, are refused rather than overflow a time.Time.
const maxDate = 253402300799

// NumericDate decodes the JSON value b as an RFC 7519 NumericDate: a JSON
// number of seconds (fractions kept), without allocating. Anything else —
// a number in a string included — is an error: no issuer or client we
// know of sends one, and accepting it would let one token mean two things
// to two verifiers.
func NumericDate(b []byte) (time.Time, error) {
	if len(b) == 0 || b[0] != '-' && (b[0] < '0' || b[0] > '9') {
		return time.Time{}, errors.New("a date must be a JSON number (RFC 7519 NumericDate)")
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return time.Time{}, err
	}
	if math.Abs(f) > maxDate {
		return time.Time{}, errors.New("date out of range")
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), nil
}
