package main

import (
	"github.com/prometheus/client_golang/prometheus"
)

// counter is the sum of the samples of the counter family name (with the
// default namespace) in reg whose labels include every pair of want: the
// demo reads its replicas' metrics the way a dashboard would.
func counter(reg *prometheus.Registry, name string, want ...string) float64 {
	families, err := reg.Gather()
	if err != nil {
		return 0
	}
	sum := 0.0
	for _, f := range families {
		if f.GetName() != "jwtguard_"+name {
			continue
		}
	sample:
		for _, m := range f.GetMetric() {
			for i := 0; i+1 < len(want); i += 2 {
				if !hasLabel(m.GetLabel(), want[i], want[i+1]) {
					continue sample
				}
			}
			sum += m.GetCounter().GetValue()
		}
	}
	return sum
}

func hasLabel[L interface {
	GetName() string
	GetValue() string
}](labels []L, name, value string) bool {
	for _, l := range labels {
		if l.GetName() == name && l.GetValue() == value {
			return true
		}
	}
	return false
}
