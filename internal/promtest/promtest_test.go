package promtest

import "testing"

// TestHistogram checks Histogram against an exposition written out.
func TestHistogram(t *testing.T) {
	got := Histogram("h_seconds", `a="b"`, []float64{1e-05, 0.5, 2}, []int{0, 1, 1, 3}, 12.5)
	want := `h_seconds_bucket{a="b",le="1e-05"} 0
h_seconds_bucket{a="b",le="0.5"} 1
h_seconds_bucket{a="b",le="2"} 1
h_seconds_bucket{a="b",le="+Inf"} 3
h_seconds_sum{a="b"} 12.5
h_seconds_count{a="b"} 3
`
	if got != want {
		t.Errorf("histogram:\n%s\nwant:\n%s", got, want)
	}
}
