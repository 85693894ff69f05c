package keycache

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/safehttp"
)

// fetch GETs the JWKS. With prev it makes a conditional request; a 304
// answers prev's body under a new fetch time.
func (c *Cache) fetch(ctx context.Context, prev *cache.Document) (*cache.Document, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.src.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	if prev != nil {
		if prev.ETag != "" {
			req.Header.Set("If-None-Match", prev.ETag)
		}
		if prev.LastModified != "" {
			req.Header.Set("If-Modified-Since", prev.LastModified)
		}
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cache: fetching JWKS: %w", err)
	}
	defer func() {
		// Drain a little so the connection can be reused, never much.
		_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
		resp.Body.Close()
	}()

	doc := &cache.Document{
		URL:          c.src.URL,
		Issuer:       c.src.Issuer,
		FetchedAt:    time.Now(),
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		MaxAge:       maxAge(strings.Join(resp.Header.Values("Cache-Control"), ",")),
	}
	switch {
	case resp.StatusCode == http.StatusNotModified && prev != nil:
		doc.Body = prev.Body
		if doc.ETag == "" {
			doc.ETag = prev.ETag
		}
		if doc.LastModified == "" {
			doc.LastModified = prev.LastModified
		}
		if len(resp.Header.Values("Cache-Control")) == 0 {
			doc.MaxAge = prev.MaxAge // RFC 9111 §4.3.4: stored headers a 304 omits stay
		}
		return doc, nil
	case resp.StatusCode != http.StatusOK:
		return nil, &statusError{Code: resp.StatusCode, RetryAfter: safehttp.RetryAfter(resp.Header, time.Now())}
	}
	doc.Body, err = safehttp.ReadBody(resp.Body, c.cfg.MaxResponseBytes)
	if err != nil {
		return nil, fmt.Errorf("cache: reading JWKS: %w", err)
	}
	return doc, nil
}

// maxAge returns the max-age of a Cache-Control header: zero when there is
// none, the shortest positive age for max-age=0, no-cache and no-store
// (HonorCacheControl then clamps it to its floor).
func maxAge(cc string) time.Duration {
	var age time.Duration
	for _, d := range strings.Split(cc, ",") {
		d = strings.ToLower(strings.TrimSpace(d))
		switch {
		case d == "no-store" || d == "no-cache":
			return time.Nanosecond
		case strings.HasPrefix(d, "max-age="):
			n, err := strconv.ParseInt(strings.Trim(d[len("max-age="):], `"`), 10, 64)
			switch {
			case err != nil || n < 0:
			case n == 0:
				return time.Nanosecond
			default:
				age = time.Duration(min(n, 1<<31)) * time.Second
			}
		}
	}
	return age
}
