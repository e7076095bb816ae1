package secrets

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestFalsePositivesOnSharedCorpus runs Find over the labelled prompt and
// response texts in ../shared/data (prompts, jailbreaks, documents, model
// answers: text with no credentials) and bounds the share of rows with a
// match. It skips when the data is absent.
func TestFalsePositivesOnSharedCorpus(t *testing.T) {
	root := filepath.Join("..", "..", "..", "shared", "data")
	files := []string{filepath.Join(root, "prompts", "dev.jsonl"), filepath.Join(root, "responses", "dev.jsonl")}
	if _, err := os.Stat(files[0]); err != nil {
		t.Skipf("shared corpus not present (%v)", err)
	}
	rows, hits := 0, 0
	byRule := map[string]int{}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Skipf("shared corpus not readable: %v", err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			var row struct {
				Text     string `json:"text"`
				Response string `json:"response"`
			}
			if json.Unmarshal(sc.Bytes(), &row) != nil {
				continue
			}
			rows++
			ms := FindString(row.Text + "\n" + row.Response)
			if len(ms) > 0 {
				hits++
			}
			for _, m := range ms {
				byRule[m.Rule]++
				t.Logf("%s %s: %s", name, m.Type, m.Redacted)
			}
		}
		f.Close()
	}
	t.Logf("%d rows, %d with a match (%.3f%%), by rule %v", rows, hits, 100*float64(hits)/float64(max(rows, 1)), byRule)
	if rows == 0 || float64(hits) > 0.005*float64(rows) {
		t.Fatalf("%d of %d rows flagged", hits, rows)
	}
}
