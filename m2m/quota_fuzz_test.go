package m2m

import (
	"fmt"
	"strings"
	"testing"
)

// FuzzParseQuota: an accepted header yields at most 16 buckets, each
// named and with non-negative figures, and one written back from them
// parses to the same buckets.
func FuzzParseQuota(f *testing.F) {
	for _, s := range []string{
		"b=per_hour;q=100;r=99;t=3600,b=per_day;q=1000;r=998;t=86400",
		"b=x", "b=;q=1", "q=1", "b=a;q=-1", "b=a;t=99999999999999999", ",,b=a,", "b=a;x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		qs, err := parseQuota(header)
		if err != nil {
			return
		}
		if len(qs) > 16 {
			t.Fatalf("%d buckets from %q", len(qs), header)
		}
		var parts []string
		for _, q := range qs {
			if q.Bucket == "" || q.Limit < 0 || q.Remaining < 0 || q.Reset < 0 {
				t.Fatalf("bucket %+v from %q", q, header)
			}
			if strings.ContainsAny(q.Bucket, ",;") || strings.TrimSpace(q.Bucket) != q.Bucket {
				return // such a name cannot be written back as it came
			}
			parts = append(parts, fmt.Sprintf("b=%s;q=%d;r=%d;t=%d", q.Bucket, q.Limit, q.Remaining, int64(q.Reset.Seconds())))
		}
		again, err := parseQuota(strings.Join(parts, ","))
		if err != nil || fmt.Sprint(again) != fmt.Sprint(qs) {
			t.Fatalf("%q: %+v, written back %+v, %v", header, qs, again, err)
		}
	})
}
