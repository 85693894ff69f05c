// Package observe holds the events jwtguard's packages report and the
// small interfaces that receive them. Package metrics implements them; a
// user observes through its Collector and the Logger of each Config. The
// events are not API: they can change with the metrics that read them.
//
// A Config field of type Source (VerifierConfig.Metrics,
// cache.Config.Metrics, m2m.Config.Metrics, …) accepts a
// *metrics.Collector; the package reads the receivers it reports to with
// Need once, when it is built, and refuses a Source that has none for it
// (a test's Hooks made for another package). Methods are called
// synchronously, many on the request path: they are cheap and safe for
// concurrent use.
package observe

import (
	"fmt"
	"reflect"
)

// Source hands out the receivers of events. It is sealed: only *Hooks and
// the types that embed a Sink (metrics.Collector) are Sources.
type Source interface {
	source() *Hooks
}

// Hooks are the receivers of every package's events; a nil one receives
// nothing. A *Hooks is a Source: the tests' recorders are given as one.
type Hooks struct {
	Keys          Keys          // package cache
	Verifications Verifications // package provider
	DPoP          DPoP          // package middleware and dpop/redisreplay
	Tokens        Tokens        // package m2m
}

func (h *Hooks) source() *Hooks { return h }

// Sink makes the type that embeds it a Source. The collector embeds it
// under an unexported alias, so that it is no field of its in go doc,
// and Fills it when it is made; it has no exported field or method to
// promote to it.
type Sink struct {
	hooks Hooks
}

func (s *Sink) source() *Hooks { return &s.hooks }

// Fill sets the receivers s hands out.
func Fill(s *Sink, h Hooks) { s.hooks = h }

// Need returns the receiver pick takes from s: nil if s is nil (nobody
// listens), an error naming field and want if s has none (a collector
// made for another package's events).
func Need[T any](s Source, pick func(Hooks) T, field, want string) (T, error) {
	r := pick(From(s))
	if any(r) == nil && !none(s) {
		return r, fmt.Errorf("%s counts nothing here: give it a %s", field, want)
	}
	return r, nil
}

// From returns the receivers of s; none if s is nil or a nil pointer.
func From(s Source) Hooks {
	if none(s) {
		return Hooks{}
	}
	if h := s.source(); h != nil {
		return *h
	}
	return Hooks{}
}

// none reports whether s is nil, or a nil pointer (a nil *Collector:
// metrics turned off).
func none(s Source) bool {
	if s == nil {
		return true
	}
	v := reflect.ValueOf(s)
	return v.Kind() == reflect.Pointer && v.IsNil()
}
