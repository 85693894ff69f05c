package redisstore

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestZZExperiment(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c
		}
	}()
	for _, cte := range []bool{false, true} {
		c := redis.NewClient(&redis.Options{Addr: ln.Addr().String(), ContextTimeoutEnabled: cte})
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		start := time.Now()
		err := c.Get(ctx, "x").Err()
		cancel()
		t.Logf("cte=%v took %v err=%v", cte, time.Since(start), err)
		ps := c.Subscribe(context.Background())
		ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
		start = time.Now()
		err = ps.Subscribe(ctx, "ch")
		cancel()
		t.Logf("sub cte=%v took %v err=%v", cte, time.Since(start), err)
		start = time.Now()
		_, err = ps.ReceiveTimeout(context.Background(), 200*time.Millisecond)
		t.Logf("recv cte=%v took %v err=%v", cte, time.Since(start), err)
		ps.Close()
		c.Close()
	}
}
