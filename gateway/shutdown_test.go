package gateway_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-ai/bulwark/gateway"
	"github.com/bulwark-ai/bulwark/wire/wiretest"
)

func TestGracefulShutdownDrainsStreams(t *testing.T) {
	up := wiretest.New()
	up.ChunkDelay = 15 * time.Millisecond
	upSrv := httptest.NewServer(up)
	defer upSrv.Close()
	cfg := gateway.DefaultConfig()
	cfg.ShutdownTimeout = 10 * time.Second
	cfg.Upstreams = []gateway.Upstream{{Name: "t", Kind: "compatible", BaseURL: upSrv.URL + "/v1"}}
	rt, err := gateway.Open(context.Background(), gateway.RuntimeOptions{DSN: "sqlite:" + t.TempDir() + "/bulwark.db", Config: cfg,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rt.Serve(ctx, ln, nil) }()
	reply := strings.Repeat("drain me ", 40) // 45 chunks of 8 bytes: ~0.7 s
	body := `{"model":"m","stream":true,"messages":[{"role":"user","content":"REPLY:` + reply + `"}]}`
	resp, err := http.Post("http://"+ln.Addr().String()+"/v1/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rd := bufio.NewReader(resp.Body)
	if _, err := rd.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	cancel() // shutdown starts while the stream is in flight
	rest, err := io.ReadAll(rd)
	if err != nil {
		t.Fatalf("stream broken by shutdown: %v", err)
	}
	if !strings.Contains(string(rest), "[DONE]") {
		t.Fatalf("stream not drained to its end: %.200s", rest)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Fatal("still accepting connections after shutdown")
	}
	if n, _ := rt.Events.Count(context.Background()); n != 1 {
		t.Fatalf("%d audit events, want 1", n)
	}
}

// TestStreamReleasesHeldTextWhenUpstreamStalls: text shorter than
// stream_step is released after stream_max_hold, not held until the
// upstream sends more.
func TestStreamReleasesHeldTextWhenUpstreamStalls(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.up.SlowDelay = 3 * time.Second
	body := `{"model":"stall","stream":true,"messages":[{"role":"user","content":"REPLY:first...second part"}]}`
	start := time.Now()
	resp, err := http.Post(h.url+"/v1/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rd := bufio.NewReader(resp.Body)
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("stream ended before the first text: %v", err)
		}
		if strings.Contains(line, `"content":"first...`) {
			break
		}
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("first text arrived after %s: held until the upstream resumed", el)
	}
	rest, _ := io.ReadAll(rd)
	if !strings.Contains(string(rest), "[DONE]") {
		t.Fatalf("stream did not finish: %s", rest)
	}
}
