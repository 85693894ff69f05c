package m2m

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/jwtguard/jwtguard/internal/safehttp"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// answer is what a token request brought back besides the token.
type answer struct {
	status int         // of the last HTTP response; 0 if none came
	header http.Header // of the last HTTP response; nil if none came
}

// exchange makes one client-credentials request with cc through client. A
// failure is an *ExchangeError. assumed is the lifetime of a token whose
// answer had no expires_in; a token whose expires_in is under a second
// (zero or negative: already expired) comes back expired on arrival, its
// Expiry equal to Issued, for the caller to refuse or pass on uncached.
func exchange(ctx context.Context, cc *clientcredentials.Config, client *http.Client, assumed time.Duration) (*Token, answer, error) {
	rec := &recorder{base: client.Transport}
	if rec.base == nil {
		rec.base = http.DefaultTransport
	}
	c := *client
	c.Transport = rec
	issued := time.Now()
	ot, err := cc.Token(context.WithValue(ctx, oauth2.HTTPClient, &c))
	a := rec.answer()
	if err != nil {
		xe := &ExchangeError{Status: a.status, Err: err}
		if re := (*oauth2.RetrieveError)(nil); errors.As(err, &re) && re.Response != nil {
			xe.Status = re.Response.StatusCode
			xe.RetryAfter = safehttp.RetryAfter(re.Response.Header, time.Now())
		}
		return nil, a, xe
	}
	t := &Token{AccessToken: ot.AccessToken, TokenType: ot.TokenType, Issued: issued}
	if s, ok := ot.Extra("scope").(string); ok {
		t.Scope = s
	}
	life, ok := expiresIn(ot.Extra("expires_in"))
	if !ok {
		life = assumed
	}
	t.Expiry = issued.Add(life)
	return t, a, nil
}

// expiresIn reads the raw expires_in of an answer: a JSON number, or a
// string (form answers, and some providers' JSON). ok is false if there is
// none, or none that reads as a number: the lifetime is then unknown. A
// value under a second — zero, negative — is a lifetime of zero: the
// endpoint says the token has already expired.
func expiresIn(v any) (d time.Duration, ok bool) {
	var secs float64
	switch v := v.(type) {
	case float64:
		secs = v
	case string:
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return 0, false
		}
		secs = n
	default:
		return 0, false
	}
	if math.IsNaN(secs) {
		return 0, false
	}
	if secs < 1 {
		return 0, true
	}
	return time.Duration(min(secs, math.MaxInt32)) * time.Second, true
}

// recorder keeps the status and headers of the last response it carried:
// clientcredentials does not return them on success.
type recorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	last answer
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.base.RoundTrip(req)
	if resp != nil {
		r.mu.Lock()
		r.last = answer{status: resp.StatusCode, header: resp.Header}
		r.mu.Unlock()
	}
	return resp, err
}

func (r *recorder) answer() answer {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}
