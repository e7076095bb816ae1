package manifest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestDiffTampering(t *testing.T) {
	base := map[string]string{"config.json": "{}", "weights/model.bin": "0123456789abcdef0123", "tokenizer.json": "tok"}
	cases := []struct {
		name   string
		tamper func(dir string) error
		want   []Change // Kind, Path, OldPath only
	}{
		{"untouched", func(string) error { return nil }, nil},
		{"one byte changed", func(dir string) error {
			p := filepath.Join(dir, "weights", "model.bin")
			b, _ := os.ReadFile(p)
			b[13] ^= 1
			return os.WriteFile(p, b, 0o644)
		}, []Change{{Kind: Changed, Path: "weights/model.bin"}}},
		{"file added", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "weights", "extra.pkl"), []byte("evil"), 0o644)
		}, []Change{{Kind: Added, Path: "weights/extra.pkl"}}},
		{"file removed", func(dir string) error {
			return os.Remove(filepath.Join(dir, "tokenizer.json"))
		}, []Change{{Kind: Removed, Path: "tokenizer.json"}}},
		{"file renamed", func(dir string) error {
			return os.Rename(filepath.Join(dir, "config.json"), filepath.Join(dir, "config.old.json"))
		}, []Change{{Kind: Renamed, Path: "config.old.json", OldPath: "config.json"}}},
		{"truncated to empty", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "tokenizer.json"), nil, 0o644)
		}, []Change{{Kind: Changed, Path: "tokenizer.json"}}},
		{"several at once", func(dir string) error {
			if err := os.Remove(filepath.Join(dir, "tokenizer.json")); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"x":1}`), 0o644)
		}, []Change{{Kind: Changed, Path: "config.json"}, {Kind: Removed, Path: "tokenizer.json"}}},
	}
	for _, method := range []string{MethodFiles, MethodShards} {
		for _, c := range cases {
			t.Run(method+"/"+c.name, func(t *testing.T) {
				dir := writeTree(t, base)
				opts := Options{Method: method, ShardSize: 8}
				signed, err := Build(context.Background(), dir, opts)
				if err != nil {
					t.Fatal(err)
				}
				if err := c.tamper(dir); err != nil {
					t.Fatal(err)
				}
				actual, err := Build(context.Background(), dir, opts)
				if err != nil {
					t.Fatal(err)
				}
				got := Diff(signed.Resources, actual.Resources)
				if method == MethodShards && c.name == "truncated to empty" {
					// An empty file has no shards, so it reads as removed.
					c.want = []Change{{Kind: Removed, Path: "tokenizer.json"}}
				}
				if len(got) != len(c.want) {
					t.Fatalf("changes = %+v, want %+v", got, c.want)
				}
				for i := range got {
					if got[i].Kind != c.want[i].Kind || got[i].Path != c.want[i].Path || got[i].OldPath != c.want[i].OldPath {
						t.Fatalf("change %d = %+v, want %+v", i, got[i], c.want[i])
					}
				}
			})
		}
	}
}

func TestDiffRenameNeedsSameContent(t *testing.T) {
	signed := []Resource{{Name: "a", Algorithm: "sha256", Digest: sum("1")}}
	actual := []Resource{{Name: "b", Algorithm: "sha256", Digest: sum("2")}}
	got := Diff(signed, actual)
	if len(got) != 2 || got[0].Kind != Removed || got[1].Kind != Added {
		t.Fatalf("changes = %+v", got)
	}
}
