package detect

import (
	"context"
	"strings"
	"testing"
)

// contentDoc builds the Document a content detector sees for in. It folds
// case only, so the content detectors' tests do not depend on the
// normaliser; the detectors themselves tolerate obfuscation beyond that.
func contentDoc(in Input) *Document {
	return &Document{Input: in, Raw: in.Text, Folded: strings.ToLower(in.Text)}
}

// runDetector runs d on in and fails the test on error.
func runDetector(t testing.TB, d Detector, in Input) Detection {
	t.Helper()
	det, err := d.Detect(context.Background(), contentDoc(in))
	if err != nil {
		t.Fatalf("%s: %v", d.Category(), err)
	}
	checkDetection(t, det, in.Text)
	return det
}

// checkDetection asserts the invariants of every Detection.
func checkDetection(t testing.TB, det Detection, raw string) {
	t.Helper()
	if det.Score < 0 || det.Score > 1 || det.Score != det.Score {
		t.Fatalf("score %v outside [0,1]", det.Score)
	}
	for _, s := range det.Spans {
		if s.Start < 0 || s.End < s.Start || s.End > len(raw) {
			t.Fatalf("span %+v outside text of %d bytes", s, len(raw))
		}
		if s.Score < 0 || s.Score > 1 {
			t.Fatalf("span score %v outside [0,1]", s.Score)
		}
	}
}

// benchTexts returns texts of about 200 B, 2 KB and 20 KB made of seed.
func benchTexts(seed string) map[string]string {
	out := map[string]string{}
	for _, n := range []int{200, 2000, 20000} {
		var b strings.Builder
		for b.Len() < n {
			b.WriteString(seed)
			b.WriteByte(' ')
		}
		s := b.String()[:n]
		out[sizeName(n)] = s
	}
	return out
}

func sizeName(n int) string {
	switch {
	case n >= 20000:
		return "20KB"
	case n >= 2000:
		return "2KB"
	}
	return "200B"
}
