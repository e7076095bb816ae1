package detect

import (
	"context"
	"strings"
)

// invisibleDetector is the invisible_text detector: it scores the
// characters that normalisation removed because a reader cannot see them.
type invisibleDetector struct{}

// Category returns InvisibleText.
func (invisibleDetector) Category() Category { return InvisibleText }

// Weights per kind of hidden character. Unicode tag characters carry ASCII
// that renders as nothing (ASCII smuggling) and have no legitimate use in
// prompts beyond flag emoji; bidi controls reorder what a reader sees
// ("Trojan Source"); zero-width characters also occur in benign text
// (joiners in emoji and Indic scripts, soft hyphens), so few of them count
// little.
func hiddenWeight(kind string, count int) float64 {
	switch kind {
	case "unicode_tag":
		return 0.9
	case "bidi_control":
		if count >= 2 {
			return 0.6
		}
		return 0.4
	case "zero_width", "filler":
		switch {
		case count >= 10:
			return 0.7
		case count >= 3:
			return 0.5
		default:
			return 0.2
		}
	case "variation_selector":
		if count >= 8 { // emoji use one or two; long runs encode data
			return 0.7
		}
		return 0.05
	}
	return 0.2
}

// Detect scores the hidden characters of doc by kind and count; tag
// characters that decode to text score highest, and higher still when the
// decoded text holds an instruction.
func (invisibleDetector) Detect(ctx context.Context, doc *Document) (Detection, error) {
	if err := ctx.Err(); err != nil {
		return Detection{}, err
	}
	if len(doc.Hidden) == 0 {
		return Detection{}, nil
	}
	counts := map[string]int{}
	for i, h := range doc.Hidden {
		n := 1
		if i < len(doc.hiddenCounts) {
			n = doc.hiddenCounts[i]
		}
		counts[h.Type] += n
	}
	miss := 1.0
	for kind, n := range counts {
		miss *= 1 - hiddenWeight(kind, n)
	}
	score := 1 - miss
	spans := make([]Span, 0, min(len(doc.Hidden), maxSpansPerCategory))
	for _, h := range doc.Hidden {
		if len(spans) == maxSpansPerCategory {
			break
		}
		s := h
		s.Rule = "INV-" + strings.ToUpper(strings.ReplaceAll(h.Type, "_", "-"))
		s.Score = hiddenWeight(h.Type, counts[h.Type])
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
