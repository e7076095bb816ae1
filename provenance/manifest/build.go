package manifest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/bulwark-ai/bulwark/internal/ctxio"
)

// DefaultMaxFiles bounds how many files a model may hold.
const DefaultMaxFiles = 1 << 20

// readBufSize is the read size of each hashing worker.
const readBufSize = 1 << 20

// ErrTooManyFiles is returned when a model holds more than Options.MaxFiles files.
var ErrTooManyFiles = errors.New("too many files")

// Options say how to hash a model. The zero value hashes whole files with
// SHA-256, ignores the git paths and rejects symbolic links.
type Options struct {
	// Method is MethodFiles (default) or MethodShards.
	Method string
	// ShardSize is the shard size for MethodShards (default DefaultShardSize).
	ShardSize int64
	// IgnorePaths are paths relative to the model root left out of the
	// manifest; an entry hides everything below it. Absolute paths under the
	// root are made relative; others are dropped.
	IgnorePaths []string
	// KeepGitPaths includes .git, .gitattributes, .github and .gitignore.
	KeepGitPaths bool
	// AllowSymlinks follows symbolic links to files instead of failing.
	AllowSymlinks bool
	// Only, when non-nil, restricts hashing to the files it names (paths
	// relative to the root); other files are neither hashed nor reported.
	Only map[string]bool
	// Workers is the number of hashing goroutines (default GOMAXPROCS).
	Workers int
	// MaxFiles bounds the number of files (default DefaultMaxFiles).
	MaxFiles int
}

// modelFile is one file of the model, found by Build.
type modelFile struct {
	rel, abs string
	size     int64
}

// walkModel lists the files of the model folder absRoot that are not
// ignored (and are in opts.Only when set), refusing symbolic links unless
// allowed, special files, and more than maxFiles files.
func walkModel(ctx context.Context, absRoot string, ignores []string, opts Options, maxFiles int) ([]modelFile, error) {
	var files []modelFile
	err := filepath.WalkDir(absRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if p == absRoot {
			return nil
		}
		relOS, err := filepath.Rel(absRoot, p)
		if err != nil {
			return err
		}
		rel := filepath.ToSlash(relOS)
		if ignored(rel, ignores) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		mode := d.Type()
		switch {
		case mode.IsDir():
			return nil
		case mode&fs.ModeSymlink != 0:
			if !opts.AllowSymlinks {
				return fmt.Errorf("%s is a symbolic link and symbolic links are not allowed", rel)
			}
			st, err := os.Stat(p)
			if err != nil {
				return fmt.Errorf("%s: broken symbolic link: %w", rel, err)
			}
			if !st.Mode().IsRegular() {
				return fmt.Errorf("%s: symbolic link to something other than a regular file", rel)
			}
			if opts.Only != nil && !opts.Only[rel] {
				return nil
			}
			files = append(files, modelFile{rel: rel, abs: p, size: st.Size()})
		case mode.IsRegular():
			if opts.Only != nil && !opts.Only[rel] {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			files = append(files, modelFile{rel: rel, abs: p, size: info.Size()})
		default:
			return fmt.Errorf("%s is neither a regular file nor a directory (%s)", rel, mode)
		}
		if len(files) > maxFiles {
			return fmt.Errorf("%w: more than %d files", ErrTooManyFiles, maxFiles)
		}
		return nil
	})
	return files, err
}

// unit is one piece of hashing work: a whole file or one shard.
type unit struct {
	rel        string // resource path
	abs        string
	start, end int64
	shard      bool
}

// Build hashes the model at root (a folder or a single file) and returns its
// manifest, with resources in the reference order.
func Build(ctx context.Context, root string, opts Options) (*Manifest, error) {
	method := opts.Method
	if method == "" {
		method = MethodFiles
	}
	if method != MethodFiles && method != MethodShards {
		return nil, fmt.Errorf("manifest: unknown method %q (want files or shards)", method)
	}
	shardSize := opts.ShardSize
	if method == MethodShards && shardSize == 0 {
		shardSize = DefaultShardSize
	}
	if method == MethodShards && shardSize < 1 {
		return nil, fmt.Errorf("manifest: shard size %d must be positive", shardSize)
	}
	maxFiles := opts.MaxFiles
	if maxFiles <= 0 {
		maxFiles = DefaultMaxFiles
	}
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", root, err)
	}
	fi, err := os.Lstat(absRoot)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	name := filepath.Base(absRoot)
	roots := []string{absRoot}
	if fi.Mode()&fs.ModeSymlink != 0 {
		// A symbolic link to a folder is followed: the folder is the model.
		// A link to a file counts as a symbolic link in the model.
		if st, err := os.Stat(absRoot); err == nil && st.IsDir() {
			resolved, err := filepath.EvalSymlinks(absRoot)
			if err != nil {
				return nil, fmt.Errorf("manifest: %w", err)
			}
			absRoot, fi = resolved, st
			roots = append(roots, resolved)
		}
	}
	ignores := normalizeIgnores(roots, opts.IgnorePaths, !opts.KeepGitPaths)
	m := &Manifest{
		Name: name,
		Serialization: Serialization{
			Method:        method,
			HashType:      HashSHA256,
			AllowSymlinks: opts.AllowSymlinks,
			IgnorePaths:   ignores,
		},
	}
	if method == MethodShards {
		m.Serialization.ShardSize = shardSize
	}

	var files []modelFile
	switch {
	case fi.Mode().IsRegular() || (fi.Mode()&fs.ModeSymlink != 0 && opts.AllowSymlinks && isRegularTarget(absRoot)):
		st, err := os.Stat(absRoot)
		if err != nil {
			return nil, fmt.Errorf("manifest: %w", err)
		}
		files = append(files, modelFile{rel: SingleFileName, abs: absRoot, size: st.Size()})
	case fi.IsDir():
		files, err = walkModel(ctx, absRoot, ignores, opts, maxFiles)
		if err != nil {
			return nil, fmt.Errorf("manifest %s: %w", root, err)
		}
	case fi.Mode()&fs.ModeSymlink != 0:
		return nil, fmt.Errorf("manifest %s: the model path is a symbolic link and symbolic links are not allowed", root)
	default:
		return nil, fmt.Errorf("manifest %s: not a regular file or a directory", root)
	}

	var units []unit
	for _, f := range files {
		if method == MethodFiles {
			units = append(units, unit{rel: f.rel, abs: f.abs, end: f.size})
			continue
		}
		for s := int64(0); s < f.size; s += shardSize {
			e := min(s+shardSize, f.size)
			units = append(units, unit{rel: f.rel, abs: f.abs, start: s, end: e, shard: true})
		}
	}
	res, err := hashUnits(ctx, units, opts.Workers)
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", root, err)
	}
	for i := range res {
		if method == MethodShards {
			res[i].Algorithm = ShardAlgorithm(HashSHA256, shardSize)
		} else {
			res[i].Algorithm = HashSHA256
		}
	}
	Sort(res)
	m.Resources = res
	return m, nil
}

func isRegularTarget(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// normalizeIgnores turns ignore entries into clean relative slash paths,
// adding the git defaults, deduplicated and sorted. Absolute entries are
// made relative to the first of roots (the model path as given, then the
// folder it resolves to) that holds them.
func normalizeIgnores(roots []string, in []string, git bool) []string {
	set := map[string]bool{}
	if git {
		for _, g := range gitIgnores {
			set[g] = true
		}
	}
	for _, p := range in {
		if p == "" {
			continue
		}
		if filepath.IsAbs(p) {
			found := false
			for _, r := range roots {
				rel, err := filepath.Rel(r, p)
				if err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
					p, found = rel, true
					break
				}
			}
			if !found {
				continue
			}
		}
		p = path.Clean(filepath.ToSlash(p))
		if p == "." || p == ".." || strings.HasPrefix(p, "../") || strings.HasPrefix(p, "/") {
			continue
		}
		set[p] = true
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// ignored reports whether rel is an ignore entry or lies below one.
func ignored(rel string, ignores []string) bool {
	for _, ig := range ignores {
		if rel == ig || strings.HasPrefix(rel, ig+"/") {
			return true
		}
	}
	return false
}

// hashUnits hashes every unit on a pool of workers and returns the
// resources in unit order.
func hashUnits(ctx context.Context, units []unit, workers int) ([]Resource, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, len(units)))
	out := make([]Resource, len(units))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, readBufSize)
			for i := range next {
				d, err := hashUnit(ctx, units[i], buf)
				if err != nil {
					errOnce.Do(func() { firstErr = err; cancel() })
					continue
				}
				u := units[i]
				name := u.rel
				if u.shard {
					name = u.rel + ":" + strconv.FormatInt(u.start, 10) + ":" + strconv.FormatInt(u.end, 10)
				}
				out[i] = Resource{Name: name, Digest: d}
			}
		}()
	}
	// Largest units first, so that one big file does not start last and
	// leave the other workers idle at the end.
	order := make([]int, len(units))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		return units[order[a]].end-units[order[a]].start > units[order[b]].end-units[order[b]].start
	})
feed:
	for _, i := range order {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// hashUnit hashes bytes [start, end) of a file and fails if the file is
// shorter than recorded (it changed while being hashed). Whole-file units
// also fail if the file grew.
func hashUnit(ctx context.Context, u unit, buf []byte) ([]byte, error) {
	f, err := os.Open(u.abs)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(h, ctxio.NewReader(ctx, io.NewSectionReader(f, u.start, u.end-u.start)), buf)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", u.rel, err)
	}
	if n != u.end-u.start {
		return nil, fmt.Errorf("%s: file changed while it was hashed (read %d of %d bytes)", u.rel, n, u.end-u.start)
	}
	if !u.shard {
		if st, err := f.Stat(); err == nil && st.Size() != u.end {
			return nil, fmt.Errorf("%s: file changed while it was hashed (size %d, expected %d)", u.rel, st.Size(), u.end)
		}
	}
	return h.Sum(nil), nil
}
