package secrets

import "testing"

// TestCatalogSamples runs every rule's catalogue samples through Find: each
// true positive must yield a match of the rule, each false positive none.
func TestCatalogSamples(t *testing.T) {
	for _, r := range Catalog() {
		if len(r.TruePositives) == 0 || len(r.FalsePositives) == 0 {
			t.Errorf("%s: needs a true- and a false-positive sample", r.ID)
		}
		for _, s := range r.TruePositives {
			if !matchesRule(FindString(s), r.ID) {
				t.Errorf("%s: true positive %q: no match of the rule (got %v)", r.ID, s, FindString(s))
			}
		}
		for _, s := range r.FalsePositives {
			if matchesRule(FindString(s), r.ID) {
				t.Errorf("%s: false positive %q matched", r.ID, s)
			}
		}
	}
}

func matchesRule(ms []Match, id string) bool {
	for _, m := range ms {
		if m.Rule == id {
			return true
		}
	}
	return false
}
