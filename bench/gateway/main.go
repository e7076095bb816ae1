// Command gateway is the load benchmark of `bulwark serve`: it starts the
// test upstream (package wiretest) and a gateway with the default policy
// and an SQLite audit log on loopback, then measures
//
//   - added latency: requests at a fixed rate (default 1,000 rps, open loop,
//     latency counted from each request's scheduled time) sent directly to
//     the upstream and then through the gateway, p50/p90/p99 of each;
//   - highest throughput: closed-loop workers as fast as they go, direct
//     and through the gateway;
//   - memory under a soak: fixed-rate traffic for -soak, RSS and Go heap
//     sampled every -sample.
//
// Usage:
//
//	go run ./bench/gateway                          # rate + throughput tables
//	go run ./bench/gateway -soak 10m -sample 30s    # plus a soak
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulwark-ai/bulwark/gateway"
	"github.com/bulwark-ai/bulwark/wire/wiretest"
)

const body = `{"model":"bench-model","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"Summarise the plot of a short story about a lighthouse keeper in two sentences."}]}`

func main() {
	rate := flag.Int("rate", 1000, "requests per second of the fixed-rate phase")
	dur := flag.Duration("duration", 10*time.Second, "length of each fixed-rate phase")
	tput := flag.Duration("throughput", 10*time.Second, "length of each throughput phase (0 skips)")
	workers := flag.Int("workers", 64, "closed-loop workers of the throughput phase")
	soak := flag.Duration("soak", 0, "soak length through the gateway at -rate (0 skips)")
	sample := flag.Duration("sample", 15*time.Second, "soak memory sampling interval")
	durability := flag.String("durability", "commit", "audit durability: commit or queue")
	flag.Parse()
	if err := run(*rate, *dur, *tput, *workers, *soak, *sample, *durability); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(rate int, dur, tput time.Duration, workers int, soak, sample time.Duration, durability string) error {
	up := httptest.NewServer(wiretest.New())
	defer up.Close()
	dir, err := os.MkdirTemp("", "bulwark-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg := gateway.DefaultConfig()
	cfg.Upstreams = []gateway.Upstream{{Name: "bench", Kind: "compatible", BaseURL: up.URL + "/v1"}}
	cfg.Audit.Durability = durability
	rt, err := gateway.Open(context.Background(), gateway.RuntimeOptions{DSN: "sqlite:" + dir + "/bulwark.db", Config: cfg,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Getenv: os.Getenv})
	if err != nil {
		return err
	}
	defer rt.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go rt.Serve(ctx, ln, nil)
	direct := up.URL + "/v1/chat/completions"
	through := "http://" + ln.Addr().String() + "/v1/chat/completions"
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 512, MaxConnsPerHost: 512, IdleConnTimeout: time.Minute}}

	fmt.Printf("bulwark gateway benchmark: %d CPUs, GOMAXPROCS %d, %s, default policy, SQLite audit (WAL, durability %s)\n\n",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), durability)
	// Warm up connections and the database.
	fixedRate(client, direct, 200, time.Second)
	fixedRate(client, through, 200, time.Second)

	fmt.Printf("fixed rate %d rps for %s (latency from scheduled send time)\n", rate, dur)
	fmt.Printf("%-10s %8s %8s %10s %10s %10s %10s\n", "target", "sent", "errors", "p50", "p90", "p99", "max")
	d := fixedRate(client, direct, rate, dur)
	g := fixedRate(client, through, rate, dur)
	d.print("direct")
	g.print("gateway")
	fmt.Printf("%-10s %8s %8s %10s %10s %10s\n\n", "added", "", "", fmtDur(g.q(.5)-d.q(.5)), fmtDur(g.q(.9)-d.q(.9)), fmtDur(g.q(.99)-d.q(.99)))

	if tput > 0 {
		fmt.Printf("highest throughput: %d closed-loop workers for %s\n", workers, tput)
		fmt.Printf("%-10s %10s %8s %10s %10s\n", "target", "rps", "errors", "p50", "p99")
		for _, t := range []struct{ name, url string }{{"direct", direct}, {"gateway", through}} {
			r, n := closedLoop(client, t.url, workers, tput)
			fmt.Printf("%-10s %10.0f %8d %10s %10s\n", t.name, float64(len(r.lat))/tput.Seconds(), n, fmtDur(r.q(.5)), fmtDur(r.q(.99)))
		}
		fmt.Println()
	}
	if soak > 0 {
		fmt.Printf("soak: %d rps through the gateway for %s (RSS of this process: load generator + upstream + gateway)\n", rate, soak)
		fmt.Printf("%-8s %10s %10s %10s %8s %10s\n", "elapsed", "rss", "heap", "requests", "errors", "p99")
		start := time.Now()
		for el := time.Duration(0); el < soak; el += sample {
			r := fixedRate(client, through, rate, min(sample, soak-el))
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			fmt.Printf("%-8s %9.1fM %9.1fM %10d %8d %10s\n", time.Since(start).Round(time.Second), float64(rss())/(1<<20),
				float64(ms.HeapAlloc)/(1<<20), len(r.lat), r.errors, fmtDur(r.q(.99)))
		}
		n, _ := rt.Events.Count(context.Background())
		fmt.Printf("audit events stored: %d\n", n)
	}
	return nil
}

type result struct {
	lat    []time.Duration
	errors int
}

func (r *result) q(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[min(len(r.lat)-1, int(p*float64(len(r.lat))))]
}

func (r *result) print(name string) {
	fmt.Printf("%-10s %8d %8d %10s %10s %10s %10s\n", name, len(r.lat)+r.errors, r.errors, fmtDur(r.q(.5)), fmtDur(r.q(.9)), fmtDur(r.q(.99)), fmtDur(r.q(1)))
}

func fmtDur(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 3, 64) + "ms"
}

func post(c *http.Client, url string) error {
	resp, err := c.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

// fixedRate sends rate requests per second for dur (open loop).
func fixedRate(c *http.Client, url string, rate int, dur time.Duration) *result {
	n := int(float64(rate) * dur.Seconds())
	interval := time.Second / time.Duration(rate)
	lat := make([]time.Duration, n)
	ok := make([]bool, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < n; i++ {
		at := start.Add(time.Duration(i) * interval)
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		}
		wg.Add(1)
		go func(i int, at time.Time) {
			defer wg.Done()
			if post(c, url) == nil {
				lat[i], ok[i] = time.Since(at), true
			}
		}(i, at)
	}
	wg.Wait()
	r := &result{}
	for i := range lat {
		if ok[i] {
			r.lat = append(r.lat, lat[i])
		} else {
			r.errors++
		}
	}
	sort.Slice(r.lat, func(i, j int) bool { return r.lat[i] < r.lat[j] })
	return r
}

// closedLoop runs workers that send back to back for dur.
func closedLoop(c *http.Client, url string, workers int, dur time.Duration) (*result, int) {
	var mu sync.Mutex
	r := &result{}
	var errs atomic.Int64
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []time.Duration
			for time.Now().Before(deadline) {
				t0 := time.Now()
				if post(c, url) != nil {
					errs.Add(1)
					continue
				}
				local = append(local, time.Since(t0))
			}
			mu.Lock()
			r.lat = append(r.lat, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	sort.Slice(r.lat, func(i, j int) bool { return r.lat[i] < r.lat[j] })
	return r, int(errs.Load())
}

// rss returns the resident set size from /proc/self/status (0 elsewhere).
func rss() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}
