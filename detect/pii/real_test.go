package pii

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestFindOnRealText runs Find on the prompts dev split, which carries no
// PII labels but little PII (a few e-mails in code, birth dates in
// biographies): it lists what is found (-v) and fails when matches become
// frequent, the sign of a recogniser firing on ordinary text.
func TestFindOnRealText(t *testing.T) {
	p := filepath.Join("..", "..", "..", "shared", "data", "prompts", "dev.jsonl")
	f, err := os.Open(p)
	if err != nil {
		t.Skipf("shared data absent: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	counts := map[Type]int{}
	n := 0
	for sc.Scan() {
		var r struct{ Text string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		n++
		for _, m := range Find(r.Text) {
			counts[m.Type]++
			if testing.Verbose() && counts[m.Type] <= 6 {
				lo, hi := max(0, m.Start-30), min(len(r.Text), m.End+10)
				t.Logf("%-12s %q   ...%q", m.Type, r.Text[m.Start:m.End], r.Text[lo:hi])
			}
		}
	}
	total := 0
	for _, c := range counts {
		total += c
	}
	t.Logf("%d texts, %d matches: %v", n, total, counts)
	if float64(total) > 0.05*float64(n) {
		t.Errorf("%d matches in %d ordinary texts", total, n)
	}
}
