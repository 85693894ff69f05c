//go:build race

package provider_test

// raceEnabled: the race detector slows verification about tenfold, so
// the scale tests send less traffic (never fewer tenants).
const raceEnabled = true
