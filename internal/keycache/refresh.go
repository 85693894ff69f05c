package keycache

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/jwtguard/jwtguard/cache"
	"github.com/jwtguard/jwtguard/internal/observe"
	"github.com/jwtguard/jwtguard/internal/refresh"
	"github.com/jwtguard/jwtguard/internal/share"
)

// refresh is the engine's Refresh: it obtains a document and publishes
// it, and opens the unknown-kid cooldown after a refresh for an unknown
// kid succeeded (before anyone waiting for it looks again).
func (c *Cache) refresh(ctx context.Context, trigger observe.Trigger) (func(refresh.Outcome[observe.Trigger]), error) {
	if trigger == observe.TriggerInitial && c.eng.Current() != nil {
		// Keys arrived since this first refresh was asked for (a shared
		// document, through Watch): the caller has what it wanted.
		return nil, nil
	}
	start := time.Now()
	res, shared, err := c.obtain(ctx, trigger, start)
	if err == nil && trigger == observe.TriggerUnknownKID {
		c.kidUntil.Store(start.Add(c.cfg.UnknownKIDCooldown).UnixNano())
	}
	return func(o refresh.Outcome[observe.Trigger]) {
		if !o.Closed { // a fetch Close cancelled is no failure to report
			c.report(trigger, res, shared, time.Since(start), err)
		}
	}, err
}

// obtain gets a document, from the provider or, through the store, from
// another process, and publishes it. A document this process fetches is
// parsed before anything else sees it, so an unusable one is never shared;
// a shared document is used only if it is for this URL and issuer, newer
// than asked and usable — any other is reported and replaced by a fetch.
func (c *Cache) obtain(ctx context.Context, trigger observe.Trigger, start time.Time) (observe.Result, bool, error) {
	var prev *cache.Document
	var after time.Time
	if s := c.eng.Current(); s != nil {
		prev = s.doc
		after = s.fetched
	}
	var keys *parsed // of the document obtained, if its body is new
	fetch := func(ctx context.Context) (*cache.Document, error) {
		doc, err := c.fetch(ctx, prev)
		if err != nil {
			return nil, err
		}
		if prev == nil || !bytes.Equal(doc.Body, prev.Body) {
			if keys, err = parse(doc.Body); err != nil {
				return nil, err
			}
		}
		return doc, nil
	}
	st := c.cfg.Store
	if st == nil {
		doc, err := fetch(ctx)
		if err != nil {
			return observe.ResultError, false, err
		}
		res, err := c.publish(doc, keys, false)
		return res, false, err
	}
	switch trigger {
	case observe.TriggerInitial:
		// Any shared document will do: one may have arrived (a Watch
		// notice) since this refresh was asked for on an empty cache.
		after = time.Time{}
	case observe.TriggerManual:
		after = start // a manual refresh wants what the provider says now
	case observe.TriggerUnknownKID:
		// The cooldown holds for the fleet: a document any process
		// fetched within it will do, however new ours is.
		if recent := start.Add(-c.cfg.UnknownKIDCooldown); recent.Before(after) {
			after = recent
		}
	}
	refused := false
	fresh := func(doc *cache.Document) bool {
		if !doc.FetchedAt.After(after) {
			return false // not newer than asked: the store's, or another process's, to replace
		}
		err := c.check(doc)
		if err == nil && (prev == nil || !bytes.Equal(doc.Body, prev.Body)) {
			keys, err = parse(doc.Body)
		}
		if err != nil && !refused {
			refused = true
			c.storeFailed(fmt.Errorf("cache: shared document refused: %w", err))
		}
		return err == nil
	}
	doc, fetched, err := share.Do(ctx, share.Store[cache.Document](st), c.src.URL, share.Options[cache.Document]{
		Fresh:       fresh,
		Produce:     fetch,
		Report:      c.storeFailed,
		WaitFor:     c.cfg.FetchTimeout,
		LockTimeout: errLockTimeout,
	})
	if err != nil {
		return observe.ResultError, !fetched, err
	}
	res, err := c.publish(doc, keys, !fetched)
	return res, !fetched, err
}

// check refuses a document for another URL or issuer.
func (c *Cache) check(doc *cache.Document) error {
	if doc.URL != c.src.URL || doc.Issuer != c.src.Issuer {
		return fmt.Errorf("%w: document is for %q (issuer %q), want %q (issuer %q)",
			errBadDocument, doc.URL, doc.Issuer, c.src.URL, c.src.Issuer)
	}
	return nil
}

// publish makes doc the serving set, unless it is shared (another
// process fetched it) and not newer than the set serving now — a document
// this process just fetched is the newest whatever the clock says. A body
// equal to the current one is not parsed again; its lifetime is renewed
// (observe.ResultNotModified). keys, if not nil, is a parse of doc's body made
// earlier.
func (c *Cache) publish(doc *cache.Document, keys *parsed, shared bool) (observe.Result, error) {
	if err := c.check(doc); err != nil {
		return observe.ResultError, err
	}
	fetched := doc.FetchedAt
	if now := time.Now(); fetched.After(now) {
		d := *doc // a clock ahead of ours must not stretch the lifetime
		d.FetchedAt = now
		doc = &d
	}
	res, err := observe.ResultNotModified, error(nil)
	c.eng.Publish(func(cur *keySet) *keySet {
		if shared && cur != nil && !fetched.After(cur.fetched) {
			return cur // another process's, and not newer than ours
		}
		if cur != nil && bytes.Equal(cur.doc.Body, doc.Body) {
			cur.retire()
			return newKeySet(&c.cfg, doc, fetched, cur.keys)
		}
		if keys == nil || !bytes.Equal(keys.body, doc.Body) {
			if keys, err = parse(doc.Body); err != nil {
				res = observe.ResultError
				return cur
			}
		}
		cur.retire()
		res = observe.ResultUpdated
		return newKeySet(&c.cfg, doc, fetched, keys)
	})
	return res, err
}

// loadShared installs the document another process shared, if it is newer.
func (c *Cache) loadShared() {
	if c.eng.Closed() {
		return
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.FetchTimeout)
	defer cancel()
	doc, err := c.cfg.Store.Get(ctx, c.src.URL)
	if err != nil {
		c.storeFailed(err) // a bad record is replaced by the next fetch
		return
	}
	if doc == nil {
		return
	}
	if s := c.eng.Current(); s != nil && !doc.FetchedAt.After(s.fetched) {
		return // ours is as new: nothing to do
	}
	res, err := c.publish(doc, nil, true)
	if err != nil {
		c.storeFailed(fmt.Errorf("cache: shared document refused: %w", err))
		return
	}
	c.report(observe.TriggerShared, res, true, time.Since(start), nil)
}

func (c *Cache) storeFailed(err error) {
	if h := c.hooks; h != nil {
		h.StoreFailed(c.src.Issuer, err)
	}
	if l := c.cfg.Logger; l != nil {
		l.Warn("jwtguard: JWKS store failed", "issuer", c.src.Issuer, "error", err)
	}
}

func (c *Cache) report(trigger observe.Trigger, res observe.Result, shared bool, d time.Duration, err error) {
	ev := observe.Refresh{Issuer: c.src.Issuer, Trigger: trigger, Result: res, Duration: d, Shared: shared, Err: err}
	if s := c.eng.Current(); s != nil {
		ev.Keys = len(s.keys.list)
		ev.FetchedAt = s.doc.FetchedAt
	}
	if err != nil {
		ev.Result = observe.ResultError
	}
	if h := c.hooks; h != nil {
		h.Refreshed(ev)
	}
	if l := c.cfg.Logger; l != nil {
		switch {
		case err != nil && ev.Keys == 0:
			l.Warn("jwtguard: JWKS fetch failed; no keys to verify with", "issuer", c.src.Issuer,
				"trigger", string(trigger), "error", err)
		case err != nil:
			l.Warn("jwtguard: JWKS refresh failed; keeping current keys", "issuer", c.src.Issuer,
				"trigger", string(trigger), "error", err, "keys", ev.Keys)
		default:
			l.Debug("jwtguard: JWKS refreshed", "issuer", c.src.Issuer, "trigger", string(trigger),
				"result", string(res), "keys", ev.Keys, "shared", shared, "duration", d)
		}
	}
}
