package manifest

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"sort"
)

// ChangeKind says how a file differs between a signed manifest and disk.
type ChangeKind string

// The kinds of change Diff reports.
const (
	// Added: on disk, not in the signature.
	Added ChangeKind = "added"
	// Removed: in the signature, not on disk.
	Removed ChangeKind = "removed"
	// Changed: in both, with different content.
	Changed ChangeKind = "changed"
	// Renamed: a removed file whose exact content reappears under a new name.
	Renamed ChangeKind = "renamed"
)

// Change is one file that differs.
type Change struct {
	// Kind says how it differs.
	Kind ChangeKind
	// Path is the file on disk (for Removed, the path the signature names).
	Path string
	// OldPath is the signed name of a renamed file.
	OldPath string
	// Signed and Actual are the resources of the file in the signature and
	// on disk (several for shards); either is empty when absent.
	Signed, Actual []Resource
}

// fileDigest is one file's resources, in order, and a digest over them
// that is independent of the file's name.
type fileDigest struct {
	res []Resource
	sum [32]byte
}

func group(rs []Resource) map[string]*fileDigest {
	m := make(map[string]*fileDigest)
	for _, r := range rs {
		p := r.FilePath()
		g := m[p]
		if g == nil {
			g = &fileDigest{}
			m[p] = g
		}
		g.res = append(g.res, r)
	}
	for _, g := range m {
		h := sha256.New()
		for _, r := range g.res {
			h.Write([]byte(r.Algorithm))
			h.Write([]byte{0})
			h.Write(r.Digest)
			if _, s, e, err := SplitShardName(r.Name); err == nil && r.FilePath() != r.Name {
				h.Write(binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, uint64(s)), uint64(e)))
			}
		}
		copy(g.sum[:], h.Sum(nil))
	}
	return m
}

func sameResources(a, b []Resource) bool {
	if len(a) != len(b) {
		return false
	}
	am := make(map[string]Resource, len(a))
	for _, r := range a {
		am[r.Name] = r
	}
	for _, r := range b {
		o, ok := am[r.Name]
		if !ok || o.Algorithm != r.Algorithm || !bytes.Equal(o.Digest, r.Digest) {
			return false
		}
	}
	return true
}

// Diff compares the resources of a signature with those computed from disk
// and returns one Change per file that differs, sorted by path. The model
// matches when the result is empty. A removed file whose content reappears
// as an added file is reported once, as Renamed.
func Diff(signed, actual []Resource) []Change {
	s, a := group(signed), group(actual)
	var changes []Change
	var removed, added []string
	for p, sg := range s {
		ag, ok := a[p]
		switch {
		case !ok:
			removed = append(removed, p)
		case !sameResources(sg.res, ag.res):
			changes = append(changes, Change{Kind: Changed, Path: p, Signed: sg.res, Actual: ag.res})
		}
	}
	for p := range a {
		if _, ok := s[p]; !ok {
			added = append(added, p)
		}
	}
	sort.Strings(removed)
	sort.Strings(added)
	// Pair renames: each added file whose content equals a removed file's.
	usedAdded := make(map[string]bool)
	for _, rp := range removed {
		sg := s[rp]
		matched := ""
		for _, ap := range added {
			if !usedAdded[ap] && a[ap].sum == sg.sum {
				matched = ap
				break
			}
		}
		if matched != "" {
			usedAdded[matched] = true
			changes = append(changes, Change{Kind: Renamed, Path: matched, OldPath: rp, Signed: sg.res, Actual: a[matched].res})
			continue
		}
		changes = append(changes, Change{Kind: Removed, Path: rp, Signed: sg.res})
	}
	for _, ap := range added {
		if !usedAdded[ap] {
			changes = append(changes, Change{Kind: Added, Path: ap, Actual: a[ap].res})
		}
	}
	sort.Slice(changes, func(i, j int) bool {
		if changes[i].Path != changes[j].Path {
			return changes[i].Path < changes[j].Path
		}
		return changes[i].Kind < changes[j].Kind
	})
	return changes
}
