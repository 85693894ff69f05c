package m2m

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/refresh"
)

// Bounds of the backoff after failed refreshes (a Retry-After may be
// longer, up to an hour).
const (
	minBackoff = time.Second
	maxBackoff = time.Minute
)

// refresh is the engine's Refresh: it obtains a token through the store —
// read if another source shared one that is not due yet, else minted — and
// publishes it. Its report logs and reports the outcome, before any caller
// waiting for the token wakes.
func (s *TokenSource) refresh(ctx context.Context, trigger observe.TokenTrigger) (func(refresh.Outcome[observe.TokenTrigger]), error) {
	begin := time.Now()
	usable := func(t *Token) bool { return time.Now().Before(t.due(s.cfg.Threshold)) }
	mint := func(ctx context.Context) (*Token, error) {
		t, a, err := exchange(ctx, s.cc, s.client, s.cfg.AssumedLifetime)
		if h := s.hooks; h != nil {
			if q := quotas(a.header); len(q) > 0 {
				h.QuotaReported(s.cfg.Name, q)
			}
		}
		if err == nil && t.expiredOnArrival() {
			// Handed out, it would fail every request it went on; kept,
			// it would be minted again on every call. A failure backs off.
			return nil, &ExchangeError{Status: a.status, Err: errExpiredOnArrival}
		}
		if err == nil && s.cfg.DPoPKey != nil && !strings.EqualFold(t.TokenType, "DPoP") {
			// A bearer token, where one bound to the key was asked for.
			return nil, &ExchangeError{Status: a.status, Err: fmt.Errorf("m2m: the token endpoint did not bind the token to the DPoP key (token_type %q)", t.TokenType)}
		}
		return t, err
	}
	tok, minted, err := fetchToken(ctx, s.store, s.key, usable, mint, s.storeFailed, s.cfg.Timeout)
	if err == nil {
		h := newHeld(tok, s.cfg.Threshold, minted)
		s.eng.Publish(func(*held) *held { return h })
	}
	return func(o refresh.Outcome[observe.TokenTrigger]) {
		if o.Closed && err != nil {
			return // most likely canceled by Close: no failure to log or report
		}
		ev := observe.TokenRefresh{Source: s.cfg.Name, Trigger: trigger, Result: observe.TokenShared, Duration: time.Now().Sub(begin)}
		if minted {
			ev.Result = observe.TokenMinted
		}
		if err != nil {
			ev.Result, ev.Err = observe.TokenFailed, err
			if xe := (*ExchangeError)(nil); errors.As(err, &xe) {
				ev.Status = xe.Status
			}
			s.cfg.Logger.Warn("m2m: token refresh failed", "source", s.cfg.Name, "trigger", string(trigger),
				"failures", o.Failures, "retry_in", o.RetryIn, "err", err)
		} else {
			s.cfg.Logger.Debug("m2m: token refreshed", "source", s.cfg.Name, "trigger", string(trigger),
				"result", string(ev.Result), "expiry", tok.Expiry)
		}
		if h := s.hooks; h != nil {
			h.Refreshed(ev)
		}
	}, err
}

func (s *TokenSource) storeFailed(err error) {
	s.cfg.Logger.Warn("m2m: store failed; requesting the token without it", "source", s.cfg.Name, "err", err)
	if h := s.hooks; h != nil {
		h.StoreFailed(s.cfg.Name, err)
	}
}

// exchangeRetryAfter is the Retry-After of an *ExchangeError in err's chain.
func exchangeRetryAfter(err error) time.Duration {
	if xe := (*ExchangeError)(nil); errors.As(err, &xe) {
		return xe.RetryAfter
	}
	return 0
}

// errExpiredOnArrival is the cause of the *ExchangeError a TokenSource
// returns for a token whose expires_in was zero or negative.
var errExpiredOnArrival = errors.New("m2m: the token endpoint issued a token that has already expired (expires_in zero or negative)")

// due is the engine's Due: the background refresh runs at the token's due
// time (or after a failure, at the end of the backoff) if it has been
// handed out since it was obtained, and only while it is still valid: once
// it has expired, the next caller starts the refresh, so that an idle
// source whose endpoint keeps failing stops calling it.
func (s *TokenSource) due(h *held, retryAt time.Time) (time.Time, bool) {
	if h == nil || !h.used.Load() {
		return time.Time{}, false
	}
	at := h.due
	if retryAt.After(at) {
		at = retryAt
	}
	if !at.Before(h.stop) || !time.Now().Before(h.stop) {
		return time.Time{}, false
	}
	return at, true
}
