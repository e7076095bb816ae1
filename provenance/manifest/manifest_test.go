package manifest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writeTree creates files (relative path → content) under a new temp dir.
func writeTree(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func names(rs []Resource) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Name
	}
	return out
}

func sum(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

func TestBuildFilesOrderAndIgnores(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"a/b":             "1",
		"a-c":             "2",
		"z":               "3",
		".hidden":         "4",
		".git/HEAD":       "ref",
		".gitignore":      "x",
		".github/ci.yml":  "y",
		"model.sig":       "sig",
		"sub/.git/config": "kept: only the root .git is ignored",
		"logs/run1.txt":   "ignored dir",
	})
	m, err := Build(context.Background(), dir, Options{IgnorePaths: []string{"model.sig", filepath.Join(dir, "logs"), "../outside"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{".hidden", "a/b", "a-c", "sub/.git/config", "z"}
	if got := names(m.Resources); !reflect.DeepEqual(got, want) {
		t.Fatalf("resources = %v, want %v", got, want)
	}
	if !reflect.DeepEqual(m.Resources[1].Digest, sum("1")) || m.Resources[1].Algorithm != "sha256" {
		t.Fatalf("a/b resource = %+v", m.Resources[1])
	}
	wantIgn := []string{".git", ".gitattributes", ".github", ".gitignore", "logs", "model.sig"}
	if !reflect.DeepEqual(m.Serialization.IgnorePaths, wantIgn) {
		t.Fatalf("ignore paths = %v, want %v", m.Serialization.IgnorePaths, wantIgn)
	}
	m2, err := Build(context.Background(), dir, Options{KeepGitPaths: true, IgnorePaths: []string{"model.sig", "logs"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(m2.Resources) != len(want)+3 {
		t.Fatalf("with git paths kept: %v", names(m2.Resources))
	}
}

func TestBuildDeterministic(t *testing.T) {
	files := map[string]string{}
	for i := 0; i < 50; i++ {
		files[filepath.ToSlash(filepath.Join("d"+string(rune('a'+i%5)), "f"+string(rune('a'+i))))] = strings.Repeat("x", i)
	}
	dir := writeTree(t, files)
	var first []byte
	for w := 1; w <= 8; w *= 2 {
		m, err := Build(context.Background(), dir, Options{Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = m.RootDigest()
		} else if !reflect.DeepEqual(first, m.RootDigest()) {
			t.Fatalf("root digest differs with %d workers", w)
		}
	}
}

func TestBuildShards(t *testing.T) {
	dir := writeTree(t, map[string]string{"w.bin": "0123456789abcdefghij", "empty": "", "exact": "01234567"})
	m, err := Build(context.Background(), dir, Options{Method: MethodShards, ShardSize: 8})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"exact:0:8", "w.bin:0:8", "w.bin:8:16", "w.bin:16:20"}
	if got := names(m.Resources); !reflect.DeepEqual(got, want) {
		t.Fatalf("shards = %v, want %v", got, want)
	}
	if m.Resources[3].Algorithm != "sha256-sharded-8" || !reflect.DeepEqual(m.Resources[3].Digest, sum("ghij")) {
		t.Fatalf("last shard = %+v", m.Resources[3])
	}
	if m.Serialization.ShardSize != 8 || m.Serialization.Method != MethodShards {
		t.Fatalf("serialization = %+v", m.Serialization)
	}
}

func TestBuildSingleFile(t *testing.T) {
	dir := writeTree(t, map[string]string{"model.bin": "weights"})
	m, err := Build(context.Background(), filepath.Join(dir, "model.bin"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "model.bin" || len(m.Resources) != 1 || m.Resources[0].Name != "." {
		t.Fatalf("manifest = %+v", m)
	}
	ms, err := Build(context.Background(), filepath.Join(dir, "model.bin"), Options{Method: MethodShards, ShardSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(ms.Resources); !reflect.DeepEqual(got, []string{".:0:4", ".:4:7"}) {
		t.Fatalf("single-file shards = %v", got)
	}
}

func TestBuildEmptyModel(t *testing.T) {
	m, err := Build(context.Background(), t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(m.RootDigest()); got != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Fatalf("empty root digest = %s", got)
	}
}

func TestBuildSymlinks(t *testing.T) {
	dir := writeTree(t, map[string]string{"real": "data"})
	if err := os.Symlink("real", filepath.Join(dir, "link")); err != nil {
		t.Skip("symlinks unsupported:", err)
	}
	if _, err := Build(context.Background(), dir, Options{}); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("symlink without AllowSymlinks: err = %v", err)
	}
	m, err := Build(context.Background(), dir, Options{AllowSymlinks: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Resources) != 2 || !reflect.DeepEqual(m.Resources[0].Digest, m.Resources[1].Digest) {
		t.Fatalf("followed link: %+v", m.Resources)
	}
	if err := os.Symlink("nowhere", filepath.Join(dir, "broken")); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(context.Background(), dir, Options{AllowSymlinks: true}); err == nil {
		t.Fatal("broken link accepted")
	}
}

func TestBuildSymlinkedRoot(t *testing.T) {
	dir := writeTree(t, map[string]string{"m/a": "1", "m/.gitignore": "x"})
	link := filepath.Join(dir, "current")
	if err := os.Symlink("m", link); err != nil {
		t.Skip("symlinks unsupported:", err)
	}
	m, err := Build(context.Background(), link, Options{IgnorePaths: []string{filepath.Join(link, "a")}})
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "current" || len(m.Resources) != 0 {
		t.Fatalf("manifest = %+v", m)
	}
	m, err = Build(context.Background(), link, Options{})
	if err != nil || len(m.Resources) != 1 || m.Resources[0].Name != "a" {
		t.Fatalf("manifest = %+v, %v", m, err)
	}
	if err := os.Symlink(filepath.Join("m", "a"), filepath.Join(dir, "file-link")); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(context.Background(), filepath.Join(dir, "file-link"), Options{}); err == nil {
		t.Fatal("symlinked single-file model accepted without AllowSymlinks")
	}
	if m, err := Build(context.Background(), filepath.Join(dir, "file-link"), Options{AllowSymlinks: true}); err != nil || m.Resources[0].Name != "." {
		t.Fatalf("symlinked single file with AllowSymlinks: %+v %v", m, err)
	}
}

func TestBuildErrors(t *testing.T) {
	dir := writeTree(t, map[string]string{"a": "1", "b": "2", "c": "3"})
	cases := []struct {
		name string
		path string
		opts Options
		want string
	}{
		{"missing root", filepath.Join(dir, "nope"), Options{}, "no such file"},
		{"bad method", dir, Options{Method: "zip"}, "unknown method"},
		{"bad shard size", dir, Options{Method: MethodShards, ShardSize: -1}, "must be positive"},
		{"too many files", dir, Options{MaxFiles: 2}, "too many files"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Build(context.Background(), c.path, c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to contain %q", err, c.want)
			}
		})
	}
	if _, err := Build(context.Background(), dir, Options{MaxFiles: 2}); !errors.Is(err, ErrTooManyFiles) {
		t.Fatalf("errors.Is(ErrTooManyFiles) false: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Build(ctx, dir, Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: err = %v", err)
	}
}

func TestBuildOnly(t *testing.T) {
	dir := writeTree(t, map[string]string{"a": "1", "b": "2", "d/c": "3"})
	m, err := Build(context.Background(), dir, Options{Only: map[string]bool{"a": true, "d/c": true}})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(m.Resources); !reflect.DeepEqual(got, []string{"a", "d/c"}) {
		t.Fatalf("only = %v", got)
	}
}

func TestSortComponentOrder(t *testing.T) {
	rs := []Resource{
		{Name: "a-c:0:8", Algorithm: "sha256-sharded-8"},
		{Name: "a/b:10:20", Algorithm: "sha256-sharded-8"},
		{Name: "a/b:2:10", Algorithm: "sha256-sharded-8"},
		{Name: "a/b:0:2", Algorithm: "sha256-sharded-8"},
		{Name: "a", Algorithm: "sha256-sharded-8"},
	}
	Sort(rs)
	want := []string{"a", "a/b:0:2", "a/b:2:10", "a/b:10:20", "a-c:0:8"}
	if got := names(rs); !reflect.DeepEqual(got, want) {
		t.Fatalf("sorted = %v, want %v", got, want)
	}
}

func TestSplitShardName(t *testing.T) {
	cases := []struct {
		in         string
		path       string
		start, end int64
		ok         bool
	}{
		{"a/b:0:8", "a/b", 0, 8, true},
		{"we:ird:name:8:16", "we:ird:name", 8, 16, true},
		{".:0:8", ".", 0, 8, true},
		{"nocolon", "", 0, 0, false},
		{"a:1", "", 0, 0, false},
		{"a:9:8", "", 0, 0, false},
		{"a:-1:8", "", 0, 0, false},
		{"a:x:8", "", 0, 0, false},
		{":0:8", "", 0, 0, false},
	}
	for _, c := range cases {
		p, s, e, err := SplitShardName(c.in)
		if (err == nil) != c.ok || (c.ok && (p != c.path || s != c.start || e != c.end)) {
			t.Errorf("SplitShardName(%q) = %q %d %d %v", c.in, p, s, e, err)
		}
	}
}

func TestValidName(t *testing.T) {
	for name, want := range map[string]bool{
		"a": true, "a/b.bin": true, ".": true, ".hidden": true,
		"": false, "/abs": false, "a//b": false, "a/../b": false, "../x": false, "a/./b": false, "a\x00b": false, "a/": false,
	} {
		if got := ValidName(name); got != want {
			t.Errorf("ValidName(%q) = %v, want %v", name, got, want)
		}
	}
}

// FuzzSplitShardName checks the shard-name parser never panics and that
// what it accepts round-trips.
func FuzzSplitShardName(f *testing.F) {
	for _, s := range []string{"a/b:0:8", ".:0:1000000000", "x:y:1:2", "::", "a:1:0", "a:-1:2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, start, end, err := SplitShardName(s)
		if err != nil {
			return
		}
		if start < 0 || end < start || p == "" {
			t.Fatalf("accepted %q as %q %d %d", s, p, start, end)
		}
	})
}
