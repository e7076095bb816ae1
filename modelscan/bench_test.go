package modelscan_test

import (
	"bufio"
	"context"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/bulwark-ai/bulwark/modelscan"
	"github.com/bulwark-ai/bulwark/modelscan/internal/fixtures"
)

// benchSize is the generated checkpoint size; the default stays small so
// that `make bench` does not write gigabytes. For the 1 GB figure use
// -modelscan.size 1073741824 or the bench command (modelscan/internal/bench).
var benchSize = flag.Int64("modelscan.size", 64<<20, "size in bytes of the generated checkpoint for BenchmarkScanTorchZip")

func BenchmarkScanTorchZip(b *testing.B) {
	path := filepath.Join(b.TempDir(), "model.pt")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	const tensor = 16 << 20
	var sizes, numel []int64
	for left := *benchSize; left > 0; left -= tensor {
		sizes = append(sizes, min(left, tensor))
		numel = append(numel, min(left, tensor)/4)
	}
	if err := fixtures.WriteTorchZip(w, "archive", fixtures.Torch(fixtures.Names(len(sizes)), numel), sizes); err != nil {
		b.Fatal(err)
	}
	w.Flush()
	f.Close()
	sc, _ := modelscan.New(modelscan.Options{Jobs: 1})
	b.SetBytes(*benchSize)
	var peak uint64
	var ms runtime.MemStats
	for b.Loop() {
		rep, err := sc.Scan(context.Background(), path)
		if err != nil || len(rep.Findings) != 0 || len(rep.Errors) != 0 {
			b.Fatalf("err %v findings %d errors %v", err, len(rep.Findings), rep.Errors)
		}
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
	}
	b.ReportMetric(float64(peak)/(1<<20), "heap-MiB")
}
