package detect

import "context"

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

// RawSpan maps a byte range of Folded to the corresponding range of Raw.
func (d *Document) RawSpan(start, end int) (int, int) {
	if d.FoldedToRaw == nil {
		return start, end
	}
	clamp := func(i int) int {
		if i < 0 {
			return 0
		}
		if i >= len(d.FoldedToRaw) {
			return len(d.FoldedToRaw) - 1
		}
		return i
	}
	if len(d.FoldedToRaw) == 0 {
		return 0, 0
	}
	return d.FoldedToRaw[clamp(start)], d.FoldedToRaw[clamp(end)]
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
