package manifest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// benchModel writes a model folder of total bytes under dir: a few large
// files and some small ones, as a real checkpoint has. It is created once
// per benchmark run (set BULWARK_BENCH_DIR to reuse a folder).
func benchModel(b *testing.B, total int64) string {
	b.Helper()
	dir := os.Getenv("BULWARK_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	if _, err := os.Stat(filepath.Join(dir, ".complete-"+strconv.FormatInt(total, 10))); err == nil {
		return dir
	}
	chunk := make([]byte, 4<<20)
	if _, err := rand.Read(chunk); err != nil {
		b.Fatal(err)
	}
	write := func(name string, size int64) {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		for size > 0 {
			n := min(size, int64(len(chunk)))
			if _, err := f.Write(chunk[:n]); err != nil {
				b.Fatal(err)
			}
			size -= n
		}
	}
	large := total / 4 * 3 / 3
	for i := 0; i < 3; i++ {
		write(fmt.Sprintf("model-%05d-of-00003.safetensors", i+1), large)
	}
	rest := total - 3*large
	for i := 0; i < 64; i++ {
		write(fmt.Sprintf("small-%02d.bin", i), rest/64)
	}
	if err := os.WriteFile(filepath.Join(dir, ".complete-"+strconv.FormatInt(total, 10)), nil, 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

// BenchmarkBuild hashes a generated multi-GB folder (2 GiB by default, or
// BULWARK_BENCH_BYTES) and reports GB/s. The first pass warms the page
// cache, so the figure is hashing throughput, bounded by the disk only when
// the folder does not fit in memory.
func BenchmarkBuild(b *testing.B) {
	total := int64(2 << 30)
	if s := os.Getenv("BULWARK_BENCH_BYTES"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			b.Fatal(err)
		}
		total = n
	}
	dir := benchModel(b, total)
	// Baseline: read every file once without hashing (what the disk or page
	// cache delivers to one reader), to compare the hashing figures with.
	b.Run("read-only", func(b *testing.B) {
		b.SetBytes(total)
		buf := make([]byte, readBufSize)
		for b.Loop() {
			err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				f, err := os.Open(p)
				if err != nil {
					return err
				}
				defer f.Close()
				_, err = io.CopyBuffer(io.Discard, f, buf)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(total)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
	})
	for _, c := range []struct {
		name string
		opts Options
	}{
		{"files-1worker", Options{Method: MethodFiles, Workers: 1}},
		{"files", Options{Method: MethodFiles}},
		{"shards-1GB", Options{Method: MethodShards}},
		{"shards-64MiB", Options{Method: MethodShards, ShardSize: 64 << 20}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(total)
			for b.Loop() {
				if _, err := Build(context.Background(), dir, c.opts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(total)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
	}
}

// BenchmarkSHA256Memory is the ceiling for one hashing goroutine: SHA-256
// over a buffer already in memory, in the 1 MiB reads Build uses.
func BenchmarkSHA256Memory(b *testing.B) {
	buf := make([]byte, readBufSize)
	b.SetBytes(int64(len(buf)))
	h := sha256.New()
	for b.Loop() {
		h.Write(buf)
	}
	b.ReportMetric(float64(len(buf))*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
}
