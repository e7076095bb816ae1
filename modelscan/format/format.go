// Package format defines the contract between the model scanner's
// dispatcher (package modelscan) and the scanners for each artifact format
// (its subpackages): what a scanner is given, how it reports, and how a
// container format hands its members back for scanning.
package format

import (
	"context"
	"io"

	"github.com/bulwark-ai/bulwark/finding"
)

// HeadSize is how many leading bytes Match is given.
const HeadSize = 4096

// DefaultMaxDecompressed is the default bound, 8 GiB, on the bytes a scan
// decompresses from one input: archive members, .npz members, compressed
// checkpoints and joblib streams.
const DefaultMaxDecompressed = 8 << 30

// DecompressedBound returns n, or DefaultMaxDecompressed when n is not
// positive: how scanners read their decompression option.
func DecompressedBound(n int64) int64 {
	if n <= 0 {
		return DefaultMaxDecompressed
	}
	return n
}

// Input is one file, or one member of a container, to scan.
type Input struct {
	// Loc locates the input for findings (File, and Member inside archives).
	Loc finding.Location
	// Name is the base name, a hint only: formats are detected by content.
	Name string
	// R reads the input; Size is its length in bytes.
	R    io.ReaderAt
	Size int64
	// Depth is the container nesting depth (0 for a file on disk).
	Depth int
}

// Reporter receives findings as a scanner produces them. It is safe to call
// from one goroutine at a time per scan.
type Reporter func(finding.Finding)

// Nested hands a member of a container (zip, tar, npz) back to the
// dispatcher, which detects its format and scans it. It returns an error
// only when scanning must stop (context cancelled).
type Nested func(ctx context.Context, in Input) error

// Scanner scans one artifact format.
type Scanner interface {
	// Name is the format's short name, e.g. "pickle", "gguf".
	Name() string
	// Match reports whether head (up to HeadSize leading bytes) and name
	// identify this format. It must be cheap and must not read in.R.
	Match(head []byte, name string) bool
	// Scan examines in, reporting findings through report and container
	// members through nested. A malformed input is reported as a finding
	// where that matters for safety, and returned as an error otherwise.
	Scan(ctx context.Context, in Input, report Reporter, nested Nested) error
}
