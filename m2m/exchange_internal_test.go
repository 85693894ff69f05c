package m2m

import (
	"math"
	"testing"
	"time"
)

// expires_in as an answer may carry it: absent or unreadable is no
// lifetime (the assumed one applies); zero, negative or under a second is
// a lifetime of zero (expired on arrival), not "absent".
func TestExpiresIn(t *testing.T) {
	tests := []struct {
		name string
		raw  any
		want time.Duration
		ok   bool
	}{
		{"absent", nil, 0, false},
		{"JSON number", float64(3600), time.Hour, true},
		{"form string", "120", 2 * time.Minute, true},
		{"fraction", 90.7, 90 * time.Second, true},
		{"huge", 1e300, math.MaxInt32 * time.Second, true},
		{"zero", float64(0), 0, true},
		{"zero string", "0", 0, true},
		{"negative", float64(-60), 0, true},
		{"negative string", "-60", 0, true},
		{"under a second", 0.5, 0, true},
		{"not a number", "soon", 0, false},
		{"NaN", math.NaN(), 0, false},
		{"NaN string", "NaN", 0, false},
		{"other type", true, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := expiresIn(tt.raw)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("expiresIn(%v) = %v, %v; want %v, %v", tt.raw, got, ok, tt.want, tt.ok)
			}
		})
	}
}
