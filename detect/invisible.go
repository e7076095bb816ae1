package detect

import (
	"context"
	"strings"
)

// invisibleDetector is the invisible_text detector: it scores the
// characters that normalisation removed because a reader cannot see them.
type invisibleDetector struct{}

// Category returns InvisibleText.
func (invisibleDetector) Categories() []Category { return []Category{InvisibleText} }

// hiddenWeight scores one kind of hidden character from its total count
// and its longest run of adjacent characters. Unicode tag characters carry
// ASCII that renders as nothing (ASCII smuggling); bidi controls reorder
// what a reader sees ("Trojan Source"); long runs of zero-width characters
// or variation selectors encode data, while single ones occur in benign
// text; soft hyphens are ordinary typography and count least.
func hiddenWeight(kind string, total, longest int) float64 {
	switch kind {
	case "unicode_tag":
		return 0.9
	case "bidi_control":
		if total >= 2 {
			return 0.6
		}
		return 0.4
	case "zero_width", "filler":
		switch {
		case longest >= 3 || total >= 10:
			return 0.7
		case total >= 3:
			return 0.4
		default:
			return 0.15
		}
	case "variation_selector":
		switch {
		case longest >= 4:
			return 0.8
		case total >= 16:
			return 0.4
		default:
			return 0.1
		}
	case "soft_hyphen":
		if longest >= 3 {
			return 0.5
		}
		return 0.05
	}
	return 0.2
}

// Detect scores the hidden characters of doc by kind, count and run
// length; tag characters that decode to text score highest, and higher
// still when the decoded text holds an instruction.
func (invisibleDetector) Detect(ctx context.Context, doc *Document) (Detection, error) {
	if err := ctx.Err(); err != nil {
		return Detection{}, err
	}
	if len(doc.Hidden) == 0 {
		return Detection{}, nil
	}
	type tally struct{ total, longest int }
	tallies := map[string]*tally{}
	for i, h := range doc.Hidden {
		n := 1
		if i < len(doc.hiddenCounts) {
			n = doc.hiddenCounts[i]
		}
		t := tallies[h.Type]
		if t == nil {
			t = &tally{}
			tallies[h.Type] = t
		}
		t.total += n
		t.longest = max(t.longest, n)
	}
	weight := func(kind string) float64 {
		t := tallies[kind]
		return hiddenWeight(kind, t.total, t.longest)
	}
	miss := 1.0
	for kind := range tallies {
		miss *= 1 - weight(kind)
	}
	score := 1 - miss
	spans := make([]Span, 0, min(len(doc.Hidden), maxSpansPerCategory))
	for _, h := range doc.Hidden {
		if len(spans) == maxSpansPerCategory {
			break
		}
		s := h
		s.Rule = "INV-" + strings.ToUpper(strings.ReplaceAll(h.Type, "_", "-"))
		s.Score = weight(h.Type)
		spans = append(spans, s)
	}
	for _, p := range doc.Decoded {
		if p.Encoding != "tags" {
			continue
		}
		w := 0.9
		for _, sig := range doc.heuristics().signals {
			if sig.start == p.Start && sig.end == p.End {
				w = 0.98 // the smuggled text is itself an attack
				break
			}
		}
		score = max(score, w)
		if len(spans) < maxSpansPerCategory {
			spans = append(spans, Span{Category: InvisibleText, Type: "ascii_smuggling", Rule: "INV-TAG-ASCII",
				Start: p.Start, End: p.End, Score: w, Evidence: "tags decode to: " + clipEvidence(p.Text)})
		}
	}
	return Detection{Score: score, Spans: spans}, nil
}
