package detect

import (
	"context"

	"github.com/bulwark-ai/bulwark/detect/normalize"
)

// Document is one input as detectors see it: the raw text and its
// normalised forms. The engine builds it once per Scan; detectors must not
// modify it.
type Document struct {
	// Input is what the caller passed.
	Input Input
	// Raw is Input.Text as given.
	Raw string
	// Folded is the normalised text: NFKC, confusables and leetspeak folded,
	// invisible characters removed, markup reduced to text, lower-cased.
	Folded string
	// FoldedToRaw maps each byte offset of Folded (and len(Folded)) to a byte
	// offset in Raw; nil means Folded and Raw share offsets.
	FoldedToRaw []int
	// Decoded holds payloads found encoded in Raw (base64, hex, URL
	// encoding, rot13), each normalised like Folded.
	Decoded []Decoded
	// Hidden holds the invisible characters removed during normalisation
	// (zero-width, bidi controls, Unicode tags), as spans of Raw.
	Hidden []Span

	// hiddenCounts holds, parallel to Hidden, how many characters each run has.
	hiddenCounts []int
	// heur caches the analysis shared by the heuristic detectors.
	heur *heuristics
}

// Decoded is a payload decoded from an encoded run of the raw text.
type Decoded struct {
	// Encoding names the decoder: "base64", "hex", "url", "rot13", "tags".
	Encoding string
	// Start and End delimit the encoded run in Raw.
	Start, End int
	// Text is the decoded, normalised payload.
	Text string
}

// RawSpan maps a byte range of Folded to the corresponding range of Raw:
// from the raw character that produced Folded[start] to the end of the one
// that produced Folded[end-1].
func (d *Document) RawSpan(start, end int) (int, int) {
	if d.FoldedToRaw == nil {
		return start, end
	}
	m := d.FoldedToRaw
	if len(m) == 0 {
		return 0, 0
	}
	start = min(max(start, 0), len(m)-1)
	end = min(max(end, start), len(m)-1)
	s := m[start]
	e := normalize.RawEnd(d.Raw, m, end)
	if e < s {
		e = s
	}
	return s, e
}

// Detection is one detector's answer for one Document.
type Detection struct {
	// Score in [0,1] for the detector's category.
	Score float64
	// Spans is the evidence, as byte ranges of Document.Raw.
	Spans []Span
}

// Detector judges one category. Implementations are safe for concurrent use.
type Detector interface {
	// Category is the category this detector scores.
	Category() Category
	// Detect scores doc.
	Detect(ctx context.Context, doc *Document) (Detection, error)
}
