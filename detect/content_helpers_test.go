package detect

import (
	"bufio"
	"context"
	"encoding/json"
	"hash/crc32"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// contentDoc builds the Document a content detector sees for in, as the
// engine does.
func contentDoc(in Input) *Document { return NewDocument(in) }

// runDetector runs d on in and fails the test on error.
func runDetector(t testing.TB, d Detector, in Input) Detection {
	t.Helper()
	det, err := d.Detect(context.Background(), contentDoc(in))
	if err != nil {
		t.Fatalf("%s: %v", d.Categories()[0], err)
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

// sharedData returns the path of ../shared/data/<rel> next to the module
// root, skipping the test when it is absent.
func sharedData(t testing.TB, rel string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("module root not found")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "data", rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared data %s absent: %v", p, err)
	}
	return p
}

// labelledRow is one row of a labelled JSONL file of ../shared/data.
type labelledRow struct {
	Text     string `json:"text"`
	Response string `json:"response"`
	Question string `json:"question"`
	Label    int    `json:"label"`
}

func loadRows(t testing.TB, rel string) []labelledRow {
	t.Helper()
	f, err := os.Open(sharedData(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []labelledRow
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		var r labelledRow
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// rocAUC is the probability that a random positive scores above a random
// negative (ties count half).
func rocAUC(scores []float64, labels []int) float64 {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return scores[idx[a]] < scores[idx[b]] })
	var pos, neg, rankSum float64
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && scores[idx[j]] == scores[idx[i]] {
			j++
		}
		avg := float64(i+j+1) / 2 // mean 1-based rank of the tie group
		for k := i; k < j; k++ {
			if labels[idx[k]] == 1 {
				rankSum += avg
				pos++
			} else {
				neg++
			}
		}
		i = j
	}
	if pos == 0 || neg == 0 {
		return 0.5
	}
	return (rankSum - pos*(pos+1)/2) / (pos * neg)
}

// prf returns precision, recall and F1 of score >= threshold.
func prf(scores []float64, labels []int, threshold float64) (p, r, f1 float64) {
	var tp, fp, fn float64
	for i, s := range scores {
		switch {
		case s >= threshold && labels[i] == 1:
			tp++
		case s >= threshold:
			fp++
		case labels[i] == 1:
			fn++
		}
	}
	if tp > 0 {
		p, r = tp/(tp+fp), tp/(tp+fn)
		f1 = 2 * p * r / (p + r)
	}
	return p, r, f1
}

// fuzzContentDetector fuzzes d with texts in role, checking the Detection invariants.
func fuzzContentDetector(f *testing.F, d Detector, role Role) {
	f.Add("")
	f.Add("\xff\xfe invalid utf-8 \xc3")
	f.Add(strings.Repeat("a", 5000))
	f.Fuzz(func(t *testing.T, s string) {
		in := Input{Text: s, Role: role, Prompt: "p", SystemPrompt: "You are a helpful assistant. Secret code 1234.", Canaries: []string{"CANARY-7f3a"}}
		det, err := d.Detect(context.Background(), contentDoc(in))
		if err != nil {
			t.Fatal(err)
		}
		checkDetection(t, det, s)
	})
}

// Fake credentials, assembled at run time from split literals so that the
// source holds no key-shaped string. None is a real credential.

// fakeAWSKeyID returns an AWS access key id shaped string.
func fakeAWSKeyID() string { return "AK" + "IA" + "Q3EGRN7XJ2LB5WZD" }

// fakeGitHubToken returns a classic GitHub token with a valid CRC32 tail.
func fakeGitHubToken() string {
	body := "Zr8kQ2mW9xT4vB7nL1cF6hJ3sD5gY0pA"[:30]
	v := crc32.ChecksumIEEE([]byte(body))
	const alpha = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	out := []byte("000000")
	for i := 5; i >= 0 && v > 0; i-- {
		out[i] = alpha[v%62]
		v /= 62
	}
	return "gh" + "p_" + body + string(out)
}

// BenchmarkContentOnDevPrompts runs each content detector over the real
// prompts of ../shared/data/prompts/dev.jsonl (one prompt per op, in
// order, documents built beforehand): the cost on realistic text.
func BenchmarkContentOnDevPrompts(b *testing.B) {
	rows := loadRows(b, "prompts/dev.jsonl")
	docs := make([]*Document, len(rows))
	total := 0
	for i, r := range rows {
		docs[i] = NewDocument(Input{Text: r.Text, Role: RoleUser})
		total += len(r.Text)
	}
	tox, err := newToxicDetector()
	if err != nil {
		b.Fatal(err)
	}
	for _, d := range []Detector{newPIIDetector(), newSecretsDetector(), tox, newLeakDetector(), newExfilDetector(), newRefusalDetector()} {
		b.Run(string(d.Categories()[0]), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(total / len(docs)))
			ctx := context.Background()
			i := 0
			for b.Loop() {
				if _, err := d.Detect(ctx, docs[i%len(docs)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
