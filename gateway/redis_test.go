package gateway_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/bulwark-ai/bulwark/gateway"
	"github.com/bulwark-ai/bulwark/gateway/audit"
	"github.com/bulwark-ai/bulwark/gateway/ratelimit"
)

// TestRateLimitSharedThroughRedis runs two gateway instances on one Redis:
// the tenant's request budget is shared between them.
func TestRateLimitSharedThroughRedis(t *testing.T) {
	addr := os.Getenv("BULWARK_TEST_REDIS_ADDR")
	if addr == "" {
		t.Skip("BULWARK_TEST_REDIS_ADDR not set: no Redis to test against")
	}
	prefix := fmt.Sprintf("bulwark-gw-test-%d:", time.Now().UnixNano())
	newLimiter := func() ratelimit.Limiter {
		l, err := ratelimit.NewRedis(context.Background(), "redis://"+addr, time.Minute, prefix)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		return l
	}
	mod := func(c *gateway.Config) { c.RateLimit.TenantRequests = 3 }
	a := newHarness(t, harnessOpts{mod: mod, limiter: newLimiter()})
	b := newHarness(t, harnessOpts{mod: mod, limiter: newLimiter()})
	body := `{"model":"m","messages":[{"role":"user","content":"hi"}]}`
	var codes []int
	for _, h := range []*harness{a, b, a, b, a} {
		s, _, _ := h.post("/v1/chat/completions", body, nil)
		codes = append(codes, s)
	}
	want := []int{200, 200, 200, 429, 429}
	if fmt.Sprint(codes) != fmt.Sprint(want) {
		t.Fatalf("statuses %v, want %v", codes, want)
	}
}

// TestPostgresAuditEndToEnd runs the gateway on PostgreSQL: proxied
// requests are audited there and served back by /admin/events.
func TestPostgresAuditEndToEnd(t *testing.T) {
	dsn := os.Getenv("BULWARK_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("BULWARK_TEST_POSTGRES_DSN not set: no PostgreSQL to test against")
	}
	h := newHarness(t, harnessOpts{dsn: dsn})
	model := fmt.Sprintf("pg-model-%d", time.Now().UnixNano())
	for i := 0; i < 3; i++ {
		if s, b, _ := h.post("/v1/chat/completions", `{"model":"`+model+`","messages":[{"role":"user","content":"hi"}]}`, nil); s != 200 {
			t.Fatalf("status %d: %s", s, b)
		}
	}
	s, b, _ := h.post("/v1/messages", `{"model":"claude-`+model+`","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}`, nil)
	if s != 200 {
		t.Fatalf("anthropic: %d %s", s, b)
	}
	if evs := h.eventsFor(audit.Filter{Model: model}); len(evs) != 3 || evs[0].OutputText != "You said: hi" {
		t.Fatalf("postgres events: %+v", evs)
	}
}
