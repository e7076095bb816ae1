package ratelimit

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func exercise(t *testing.T, l Limiter, key string) {
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		ok, _, err := l.Take(ctx, key, 1, 3, false)
		if err != nil || !ok {
			t.Fatalf("take %d: ok=%v err=%v", i, ok, err)
		}
	}
	ok, retry, err := l.Take(ctx, key, 1, 3, false)
	if err != nil || ok || retry <= 0 {
		t.Fatalf("4th take: ok=%v retry=%v err=%v", ok, retry, err)
	}
	if ok, _, _ := l.Take(ctx, key, 5, 3, true); !ok {
		t.Fatal("forced take refused")
	}
	if ok, _, _ := l.Take(ctx, key+"-other", 3, 3, false); !ok {
		t.Fatal("keys are not independent")
	}
	// Concurrent takes never exceed the limit.
	var granted atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, _, err := l.Take(ctx, key+"-conc", 1, 20, false); err == nil && ok {
				granted.Add(1)
			}
		}()
	}
	wg.Wait()
	if granted.Load() != 20 {
		t.Fatalf("granted %d of limit 20", granted.Load())
	}
}

func TestMemory(t *testing.T) {
	exercise(t, NewMemory(time.Minute), "k")
}

func TestMemoryWindowReset(t *testing.T) {
	m := NewMemory(time.Minute)
	now := time.Unix(1000*60, 0)
	m.now = func() time.Time { return now }
	ctx := context.Background()
	m.Take(ctx, "k", 10, 10, false)
	if ok, _, _ := m.Take(ctx, "k", 1, 10, false); ok {
		t.Fatal("over limit accepted")
	}
	now = now.Add(time.Minute)
	if ok, _, _ := m.Take(ctx, "k", 1, 10, false); !ok {
		t.Fatal("new window refused")
	}
}

func TestRedis(t *testing.T) {
	addr := os.Getenv("BULWARK_TEST_REDIS_ADDR")
	if addr == "" {
		t.Skip("BULWARK_TEST_REDIS_ADDR not set: no Redis to test against")
	}
	ctx := context.Background()
	r1, err := NewRedis(ctx, "redis://"+addr, time.Minute, "bulwark-test:")
	if err != nil {
		t.Fatal(err)
	}
	defer r1.Close()
	key := fmt.Sprintf("t%d", time.Now().UnixNano())
	exercise(t, r1, key)
	// A second client (a second gateway instance) shares the counts.
	r2, err := NewRedis(ctx, "redis://"+addr, time.Minute, "bulwark-test:")
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if ok, _, _ := r2.Take(ctx, key, 1, 3, false); ok {
		t.Fatal("second instance does not see the first's count")
	}
}
