package manifest

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Serialization methods, as recorded in a signature's predicate.
const (
	// MethodFiles hashes every file whole.
	MethodFiles = "files"
	// MethodShards hashes every file in fixed-size shards.
	MethodShards = "shards"
)

// HashSHA256 is the only hash Bulwark computes; it is the reference's default.
const HashSHA256 = "sha256"

// DefaultShardSize is the reference implementation's default shard size
// (1 000 000 000 bytes, `hashing.py` in sigstore/model-transparency).
const DefaultShardSize int64 = 1_000_000_000

// SingleFileName is the resource name of a model that is one file.
const SingleFileName = "."

// gitIgnores are ignored at the model root unless switched off, as in the
// reference (`Config.hash` in hashing.py).
var gitIgnores = [...]string{".git", ".gitattributes", ".github", ".gitignore"}

// DefaultGitIgnores returns the paths ignored at the model root unless
// Options.KeepGitPaths is set.
func DefaultGitIgnores() []string { return append([]string(nil), gitIgnores[:]...) }

// ErrMalformed marks a manifest or resource that cannot be interpreted.
var ErrMalformed = errors.New("malformed manifest")

// Resource is one hashed unit: a file, or one shard of a file.
type Resource struct {
	// Name is the POSIX path relative to the model root ("." for a model
	// that is a single file); for a shard, "<path>:<start>:<end>" with end
	// exclusive.
	Name string
	// Algorithm is "sha256" for files, "sha256-sharded-<size>" for shards.
	Algorithm string
	// Digest is the raw digest.
	Digest []byte
}

// Serialization records how a manifest was computed.
type Serialization struct {
	// Method is MethodFiles or MethodShards.
	Method string
	// HashType names the underlying hash ("sha256").
	HashType string
	// AllowSymlinks says whether symbolic links were followed.
	AllowSymlinks bool
	// ShardSize is the shard size in bytes (shards mode only).
	ShardSize int64
	// IgnorePaths are the paths left out, relative to the model root.
	IgnorePaths []string
}

// Manifest is the hashed content of one model.
type Manifest struct {
	// Name is informative: the last component of the model path.
	Name string
	// Resources are sorted in the reference order (see Sort).
	Resources []Resource
	// Serialization says how Resources were computed.
	Serialization Serialization
}

// RootDigest returns SHA-256 over the concatenated raw digests of
// resources, in the order given (the subject digest of a signature).
func RootDigest(resources []Resource) []byte {
	h := sha256.New()
	for _, r := range resources {
		h.Write(r.Digest)
	}
	return h.Sum(nil)
}

// RootDigest returns the manifest's root digest.
func (m *Manifest) RootDigest() []byte { return RootDigest(m.Resources) }

// ShardAlgorithm returns the algorithm name of shards of size n.
func ShardAlgorithm(hash string, n int64) string {
	return hash + "-sharded-" + strconv.FormatInt(n, 10)
}

// SplitShardName splits "<path>:<start>:<end>" into its parts. The path may
// itself contain colons; the last two fields are taken as the range.
func SplitShardName(name string) (path string, start, end int64, err error) {
	j := strings.LastIndexByte(name, ':')
	if j <= 0 {
		return "", 0, 0, fmt.Errorf("%w: shard name %q lacks :start:end", ErrMalformed, name)
	}
	i := strings.LastIndexByte(name[:j], ':')
	if i <= 0 {
		return "", 0, 0, fmt.Errorf("%w: shard name %q lacks :start:end", ErrMalformed, name)
	}
	start, err1 := strconv.ParseInt(name[i+1:j], 10, 64)
	end, err2 := strconv.ParseInt(name[j+1:], 10, 64)
	if err1 != nil || err2 != nil || start < 0 || end < start {
		return "", 0, 0, fmt.Errorf("%w: shard name %q has a bad range", ErrMalformed, name)
	}
	return name[:i], start, end, nil
}

// FilePath returns the file a resource belongs to: its name for a file
// resource, the path part for a shard.
func (r Resource) FilePath() string {
	if strings.Contains(r.Algorithm, "-sharded-") {
		if p, _, _, err := SplitShardName(r.Name); err == nil {
			return p
		}
	}
	return r.Name
}

// sortKey is a resource name broken into its ordering parts.
type sortKey struct {
	parts      []string
	start, end int64
}

func keyOf(r Resource, shard bool) sortKey {
	name := r.Name
	var k sortKey
	if shard {
		if p, s, e, err := SplitShardName(name); err == nil {
			name, k.start, k.end = p, s, e
		}
	}
	k.parts = strings.Split(name, "/")
	return k
}

func lessKey(a, b sortKey) bool {
	for i := 0; i < len(a.parts) && i < len(b.parts); i++ {
		if a.parts[i] != b.parts[i] {
			return a.parts[i] < b.parts[i]
		}
	}
	if len(a.parts) != len(b.parts) {
		return len(a.parts) < len(b.parts)
	}
	if a.start != b.start {
		return a.start < b.start
	}
	return a.end < b.end
}

// Sort orders resources as the reference signer does: by path component by
// component (Python PurePosixPath order, so "a/b" sorts before "a-c"), then
// by shard start and end as integers.
func Sort(resources []Resource) {
	keys := make([]sortKey, len(resources))
	for i, r := range resources {
		keys[i] = keyOf(r, strings.Contains(r.Algorithm, "-sharded-"))
	}
	idx := make([]int, len(resources))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return lessKey(keys[idx[i]], keys[idx[j]]) })
	out := make([]Resource, len(resources))
	for i, k := range idx {
		out[i] = resources[k]
	}
	copy(resources, out)
}

// ValidName reports whether name is an acceptable resource path: relative,
// slash-separated, without empty, "." or ".." components (except the
// single-file name "."), and without NUL bytes.
func ValidName(name string) bool {
	if name == SingleFileName {
		return true
	}
	if name == "" || strings.HasPrefix(name, "/") || strings.ContainsRune(name, 0) || strings.Contains(name, "\\") {
		return false
	}
	for _, c := range strings.Split(name, "/") {
		if c == "" || c == "." || c == ".." {
			return false
		}
	}
	return true
}
