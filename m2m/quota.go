package m2m

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jwtguard/jwtguard/internal/observe"
)

// The headers in which Auth0 reports token quotas.
const (
	clientQuotaHeader       = "Auth0-Client-Quota-Limit"
	organizationQuotaHeader = "Auth0-Organization-Quota-Limit"
)

// Bounds of what parseQuota reads: a header comes from the token
// endpoint's answer, and Auth0 sends two buckets in well under 100 bytes.
const (
	maxQuotaReset       = 366 * 24 * time.Hour // so that Reset cannot overflow
	maxQuotaHeaderBytes = 1024
	maxQuotaBuckets     = 16
)

// parseQuota parses a quota header value: comma-separated buckets of
// semicolon-separated b (required), q, r and t (non-negative integers,
// zero if absent); other attributes are ignored. A malformed bucket is an
// error, and so is a value longer than 1 KiB or with more than 16
// buckets: it is not read.
func parseQuota(header string) ([]observe.Quota, error) {
	if len(header) > maxQuotaHeaderBytes {
		return nil, fmt.Errorf("m2m: quota header of %d bytes is longer than %d", len(header), maxQuotaHeaderBytes)
	}
	var out []observe.Quota
	for bucket := range strings.SplitSeq(header, ",") {
		if strings.TrimSpace(bucket) == "" {
			continue
		}
		if len(out) == maxQuotaBuckets {
			return nil, fmt.Errorf("m2m: quota header has more than %d buckets", maxQuotaBuckets)
		}
		var q observe.Quota
		for attr := range strings.SplitSeq(bucket, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(attr), "=")
			if !ok {
				return nil, fmt.Errorf("m2m: quota %q: attribute %q is not key=value", header, attr)
			}
			if k == "b" {
				q.Bucket = v
				continue
			}
			if k != "q" && k != "r" && k != "t" {
				continue
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("m2m: quota %q: %s=%q is not a non-negative integer", header, k, v)
			}
			switch k {
			case "q":
				q.Limit = n
			case "r":
				q.Remaining = n
			case "t":
				q.Reset = time.Duration(min(n, int64(maxQuotaReset/time.Second))) * time.Second
			}
		}
		if q.Bucket == "" {
			return nil, fmt.Errorf("m2m: quota %q: a bucket has no b", header)
		}
		out = append(out, q)
	}
	return out, nil
}

// quotas returns the quota buckets of an answer's headers; a malformed
// header is skipped.
func quotas(h http.Header) []observe.Quota {
	var out []observe.Quota
	for _, hs := range []struct{ name, scope string }{
		{clientQuotaHeader, "client"},
		{organizationQuotaHeader, "organization"},
	} {
		v := h.Get(hs.name)
		if v == "" {
			continue
		}
		qs, err := parseQuota(v)
		if err != nil {
			continue
		}
		for i := range qs {
			qs[i].Scope = hs.scope
		}
		out = append(out, qs...)
	}
	return out
}
