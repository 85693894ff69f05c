package m2m

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/internal/observe"
)

func TestParseQuota(t *testing.T) {
	tests := []struct {
		name    string
		header  string
		want    []observe.Quota
		wantErr bool
	}{
		{
			name:   "Auth0 example",
			header: "b=per_hour;q=10;r=7;t=3540,b=per_day;q=50;r=47;t=43200",
			want: []observe.Quota{
				{Bucket: "per_hour", Limit: 10, Remaining: 7, Reset: 3540 * time.Second},
				{Bucket: "per_day", Limit: 50, Remaining: 47, Reset: 12 * time.Hour},
			},
		},
		{
			name:   "spaces, other order, unknown attribute",
			header: " b=per_day; r=0; x=1; q=5; t=1 ",
			want:   []observe.Quota{{Bucket: "per_day", Limit: 5, Remaining: 0, Reset: time.Second}},
		},
		{name: "missing numbers are zero", header: "b=per_hour", want: []observe.Quota{{Bucket: "per_hour"}}},
		{name: "empty", header: "", want: nil},
		{name: "empty buckets skipped", header: ",b=per_hour;q=1;r=1;t=1,", want: []observe.Quota{{Bucket: "per_hour", Limit: 1, Remaining: 1, Reset: time.Second}}},
		{name: "no bucket name", header: "q=10;r=7;t=3540", wantErr: true},
		{name: "not a number", header: "b=per_hour;q=ten", wantErr: true},
		{name: "negative", header: "b=per_hour;r=-1", wantErr: true},
		{name: "not key=value", header: "b=per_hour;q", wantErr: true},
		{name: "huge reset is capped", header: "b=per_day;t=99999999999999", want: []observe.Quota{{Bucket: "per_day", Reset: 366 * 24 * time.Hour}}},
		{name: "16 buckets", header: strings.Repeat("b=x,", 16), want: slices.Repeat([]observe.Quota{{Bucket: "x"}}, 16)},
		{name: "17 buckets", header: strings.Repeat("b=x,", 17), wantErr: true},
		{name: "a million buckets", header: strings.Repeat("b=x,", 1<<20), wantErr: true},
		{name: "1 KiB", header: "b=per_hour;x=" + strings.Repeat("y", 1024-13), want: []observe.Quota{{Bucket: "per_hour"}}},
		{name: "over 1 KiB", header: "b=per_hour;x=" + strings.Repeat("y", 1024-12), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseQuota(tt.header)
			if tt.wantErr {
				if err == nil || err.Error()[:5] != "m2m: " || len(err.Error()) > 2048 {
					t.Fatalf("parseQuota(%.100q) = %d buckets, %.100v; want a short m2m error", tt.header, len(got), err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("parseQuota(%.100q) = %+v, %v; want %+v", tt.header, got, err, tt.want)
			}
		})
	}
}
