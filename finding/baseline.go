package finding

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// maxBaselineBytes bounds how much of a baseline file is read.
const maxBaselineBytes = 64 << 20

// Baseline is a set of accepted finding fingerprints.
type Baseline map[string]struct{}

// LoadBaseline reads a baseline: a JSON report written earlier by Bulwark
// (--format json); every finding in it is accepted.
func LoadBaseline(path string) (Baseline, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	defer f.Close()
	var r Report
	dec := json.NewDecoder(io.LimitReader(f, maxBaselineBytes))
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("baseline %s: not a Bulwark JSON report: %w", path, err)
	}
	b := make(Baseline, len(r.Findings))
	for i := range r.Findings {
		b[r.Findings[i].Fingerprint()] = struct{}{}
	}
	return b, nil
}

// Apply removes findings whose fingerprint is in b and counts them in
// r.Suppressed.
func (b Baseline) Apply(r *Report) {
	if len(b) == 0 {
		return
	}
	kept := r.Findings[:0]
	for _, f := range r.Findings {
		if _, ok := b[f.Fingerprint()]; ok {
			r.Suppressed++
			continue
		}
		kept = append(kept, f)
	}
	r.Findings = kept
}
