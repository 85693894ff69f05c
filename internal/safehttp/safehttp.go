// Package safehttp holds the rules every outbound fetch of jwtguard follows:
// https only (plain http only on loopback unless the caller opts in), no
// redirect to another host or down to http, and a cap on the body read.
//
// Its functions are safe for concurrent use.
package safehttp

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ErrTooLarge is returned by ReadBody when a body is longer than its limit.
var ErrTooLarge = errors.New("response body too large")

// CheckURL parses raw and refuses what a key or token fetch must not go
// to: anything but an absolute http(s) URL with a host, user info, a
// fragment, and plain http off loopback unless insecure. option names the
// setting that allows plain http (e.g. "Config.InsecureAllowHTTP"), for
// the error.
func CheckURL(raw string, insecure bool, option string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("invalid URL %q: want https://host[:port][/path]", raw)
	}
	if u.User != nil || u.Fragment != "" {
		return nil, fmt.Errorf("invalid URL %q: want https://host[:port][/path] without user info or fragment", raw)
	}
	switch u.Scheme {
	case "https":
		return u, nil
	case "http":
		if insecure || IsLoopback(u.Hostname()) {
			return u, nil
		}
		return nil, fmt.Errorf("refusing plain http URL %q: use https, or set %s (plain http is allowed on loopback without it)", raw, option)
	default:
		return nil, fmt.Errorf("invalid URL %q: scheme must be https", raw)
	}
}

// IsLoopback reports whether host is "localhost" or a loopback IP address.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Client returns a shallow copy of base (http.DefaultClient if nil) whose
// redirect policy refuses a redirect to another host, a redirect from https
// to http, and more than five redirects.
func Client(base *http.Client) *http.Client {
	if base == nil {
		base = http.DefaultClient
	}
	c := *base
	next := base.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		first := via[0].URL
		switch {
		case len(via) >= 5:
			return errors.New("stopped after 5 redirects")
		case !strings.EqualFold(req.URL.Host, first.Host):
			return fmt.Errorf("refusing redirect to another host (%s)", req.URL.Host)
		case first.Scheme == "https" && req.URL.Scheme != "https":
			return errors.New("refusing redirect from https to http")
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
	return &c
}

// ReadBody reads r to its end, but no more than limit bytes; a longer body is
// ErrTooLarge.
func ReadBody(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w (limit %d bytes)", ErrTooLarge, limit)
	}
	return b, nil
}

// MaxRetryAfter caps what RetryAfter returns: beyond it the answer is more
// likely wrong than meant.
const MaxRetryAfter = time.Hour

// RetryAfter reads the Retry-After header of h, delay-seconds or an
// HTTP-date, as a duration from now: zero if absent, invalid or past, at
// most MaxRetryAfter.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		d = time.Duration(min(n, int64(MaxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), MaxRetryAfter)
}
