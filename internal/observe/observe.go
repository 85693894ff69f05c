// Package observe holds the events jwtguard's packages report and the
// small interfaces that receive them. Package metrics and
// metrics/m2mmetrics implement them; a user observes through those
// collectors and the Logger of each Config. The events are not API:
// they can change with the metrics that read them.
//
// A Config field of type Source (VerifierConfig.Metrics,
// cache.Config.Metrics, m2m.Config.Metrics, …) accepts any of the
// collectors; a package reads the receivers it reports to from
// Source.Hooks once, when it is built. A nil receiver means nobody
// listens. Methods are called synchronously, many on the request path:
// they are cheap and safe for concurrent use.
package observe

// Source hands out the receivers of events. *metrics.Collector and
// *m2mmetrics.Collector implement it, and so does *Hooks.
type Source interface {
	Hooks() *Hooks
}

// Hooks are the receivers of every package's events; a nil one receives
// nothing.
type Hooks struct {
	Keys          Keys          // package cache
	Verifications Verifications // package provider
	DPoP          DPoP          // package middleware and dpop/redisreplay
	Tokens        Tokens        // package m2m
}

// Hooks returns h, so that a *Hooks is a Source.
func (h *Hooks) Hooks() *Hooks { return h }

// From returns the receivers of s; none if s is nil.
func From(s Source) Hooks {
	if s == nil {
		return Hooks{}
	}
	if h := s.Hooks(); h != nil {
		return *h
	}
	return Hooks{}
}
