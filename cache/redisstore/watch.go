package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Reconnecting the subscription backs off from minBackoff, doubling up to
// maxBackoff.
const (
	minBackoff = 50 * time.Millisecond
	maxBackoff = 2 * time.Second
)

// onStopWait, if set, is called by a watcher's stop just before it waits
// for the running call of changed to end (tests use it; nil otherwise).
var onStopWait func()

// watcher is one Watch. Its changed function runs in a goroutine that
// lives only while calls are due, one call at a time; notices arriving
// during a call make one more call. An idle watcher holds no goroutine.
type watcher struct {
	s       *Store
	channel string
	changed func()
	once    sync.Once

	mu      sync.Mutex
	running bool // a goroutine is calling changed
	pending bool // a notice came during the call: call again
	stopped bool
	calls   sync.WaitGroup // the goroutine calling changed
}

// Watch implements cache.Store: it calls changed each time another process
// shares a new document for url, and also each time the subscription is
// made or made again (notices sent while it was down are lost, so the
// caller should look at what Redis holds), until stop is called. Notices of
// this Store's own Put are not delivered.
//
// Watch does not fail because Redis is down: the subscription is made, and
// remade after every failure, in the background. stop waits until no call
// of changed is running and none will start; it is idempotent and must not
// be called from changed.
func (s *Store) Watch(url string, changed func()) (stop func(), err error) {
	if changed == nil {
		return nil, errors.New("redisstore: Watch needs a changed function")
	}
	w := &watcher{s: s, channel: channel(s.key(url)), changed: changed}
	s.subMu.Lock()
	defer s.subMu.Unlock()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, errClosed
	}
	set := s.watchers[w.channel]
	if set == nil {
		set = make(map[*watcher]struct{})
		s.watchers[w.channel] = set
	}
	set[w] = struct{}{}
	ps := s.ps
	if !s.started {
		s.started = true
		s.wg.Add(1)
		go s.listen()
	}
	s.mu.Unlock()
	if ps != nil {
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.Timeout)
		// On failure the session ends and the next one subscribes to every
		// watched channel: not Watch's error.
		_ = ps.Subscribe(ctx, w.channel)
		cancel()
	}
	return w.stop, nil
}

// notify makes one more call of changed due, starting the goroutine
// that makes it unless one runs.
func (w *watcher) notify() {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.stopped:
	case w.running:
		w.pending = true
	default:
		w.running = true
		w.calls.Add(1)
		go w.run()
	}
}

// run calls changed until no call is due.
func (w *watcher) run() {
	defer w.calls.Done()
	for {
		w.changed()
		w.mu.Lock()
		if !w.pending || w.stopped {
			w.running, w.pending = false, false
			w.mu.Unlock()
			return
		}
		w.pending = false
		w.mu.Unlock()
	}
}

func (w *watcher) stop() {
	w.once.Do(func() {
		s := w.s
		s.subMu.Lock()
		s.mu.Lock()
		set := s.watchers[w.channel]
		delete(set, w)
		last := len(set) == 0
		if last {
			delete(s.watchers, w.channel)
		}
		ps := s.ps
		s.mu.Unlock()
		if last && ps != nil {
			ctx, cancel := context.WithTimeout(context.Background(), s.cfg.Timeout)
			_ = ps.Unsubscribe(ctx, w.channel) // the next session leaves it out anyway
			cancel()
		}
		s.subMu.Unlock()
		w.mu.Lock()
		w.stopped = true
		w.mu.Unlock()
		if onStopWait != nil {
			onStopWait()
		}
		w.calls.Wait()
	})
}

// dispatch makes the watchers of ch call their changed function.
func (s *Store) dispatch(ch string) {
	if s.onDispatch != nil {
		s.onDispatch(ch)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for w := range s.watchers[ch] {
		w.notify()
	}
}

// listen runs subscription sessions until Close, backing off between
// failed ones.
func (s *Store) listen() {
	defer s.wg.Done()
	failures := 0
	lost := false
	for {
		up, err := s.session(func() {
			if lost && s.cfg.Logger != nil {
				s.cfg.Logger.Info("jwtguard: Redis subscription for JWKS notices restored")
			}
			lost = false
		})
		if err == nil {
			return // closed
		}
		if up {
			failures = 0
		}
		failures++
		if !lost && s.cfg.Logger != nil {
			s.cfg.Logger.Warn("jwtguard: Redis subscription for JWKS notices lost; reconnecting "+
				"(refreshes still share through Redis when it answers)", "error", err)
		}
		lost = true
		d := min(minBackoff<<min(failures-1, 10), maxBackoff)
		t := time.NewTimer(d + time.Duration(rand.Int64N(int64(d)/5+1)))
		select {
		case <-s.done:
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// session subscribes to every watched channel on a new connection and
// delivers notices until the connection fails (an error) or the Store is
// closed (nil). up reports whether it subscribed; onUp runs when it has.
func (s *Store) session(onUp func()) (up bool, err error) {
	ps := s.client.Subscribe(context.Background()) // no channel: no I/O yet
	defer ps.Close()
	s.subMu.Lock()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.subMu.Unlock()
		return false, nil
	}
	s.ps = ps
	chans := make([]string, 0, len(s.watchers))
	for ch := range s.watchers {
		chans = append(chans, ch)
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.ps = nil
		s.mu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.Timeout)
	if len(chans) > 0 {
		err = ps.Subscribe(ctx, chans...)
	} else {
		err = ps.Ping(ctx)
	}
	cancel()
	s.subMu.Unlock()
	if err != nil {
		return false, s.sessionErr(err)
	}
	onUp()

	// Each confirmation of a subscription, first or renewed, calls the
	// watchers: they catch up on what they may have missed.
	pinged := false
	for {
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.PingInterval+s.cfg.Timeout)
		msg, err := ps.ReceiveTimeout(ctx, s.cfg.PingInterval)
		cancel()
		if err != nil {
			if !pinged && isTimeout(err) {
				// Silent for PingInterval: the PONG must come before the
				// next one ends, or the connection is dead.
				ctx, cancel := context.WithTimeout(context.Background(), s.cfg.Timeout)
				err = ps.Ping(ctx)
				cancel()
				if err == nil {
					pinged = true
					continue
				}
			}
			return true, s.sessionErr(err)
		}
		pinged = false
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				s.dispatch(m.Channel)
			}
		case *redis.Message:
			if m.Payload != s.id {
				s.dispatch(m.Channel)
			}
		}
	}
}

// sessionErr returns nil once the Store is closed (closing the
// subscription is what ended the session), else err wrapped.
func (s *Store) sessionErr(err error) error {
	if s.isClosed() {
		return nil
	}
	return fmt.Errorf("redisstore: subscription: %w", s.calls.Explain(err))
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
