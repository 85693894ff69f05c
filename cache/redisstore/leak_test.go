package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/jwtguard/jwtguard/cache/redisstore"
)

func TestCloseLeavesNoGoroutine(t *testing.T) {
	mr := miniredis.RunT(t)
	ignore := goleak.IgnoreCurrent()

	client := redis.NewClient(&redis.Options{Addr: mr.Addr(), ContextTimeoutEnabled: true})
	s, err := redisstore.New(redisstore.Config{Client: client, Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	changed, calls := counter()
	for _, url := range []string{testURL, otherURL, testURL} {
		if _, err := s.Watch(url, changed); err != nil {
			t.Fatal(err)
		}
	}
	within(t, calls, 5*time.Second, "a watcher's first call")
	var f fetcher
	if _, err := fetchVia(context.Background(), s, time.Time{}, f.fetch, noReport(t)); err != nil {
		t.Fatal(err)
	}

	s.Close() // stops the listener and the watchers never stopped
	client.Close()
	goleak.VerifyNone(t, ignore)
}
