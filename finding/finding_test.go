package finding

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseSeverity(t *testing.T) {
	tests := []struct {
		in      string
		want    Severity
		wantErr bool
	}{
		{"info", Info, false}, {"LOW", Low, false}, {" medium ", Medium, false},
		{"high", High, false}, {"critical", Critical, false}, {"none", Critical + 1, false},
		{"severe", 0, true}, {"", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseSeverity(tt.in)
		if (err != nil) != tt.wantErr || (!tt.wantErr && got != tt.want) {
			t.Errorf("ParseSeverity(%q) = %v, %v", tt.in, got, err)
		}
	}
}

func TestSeverityJSON(t *testing.T) {
	b, err := json.Marshal(struct{ S Severity }{High})
	if err != nil || string(b) != `{"S":"high"}` {
		t.Fatalf("%s %v", b, err)
	}
	var v struct{ S Severity }
	if err := json.Unmarshal([]byte(`{"S":"critical"}`), &v); err != nil || v.S != Critical {
		t.Fatalf("%v %v", v.S, err)
	}
	if err := json.Unmarshal([]byte(`{"S":"bogus"}`), &v); err == nil {
		t.Fatal("bogus severity accepted")
	}
	if _, err := json.Marshal(struct{ S Severity }{Severity(9)}); err == nil {
		t.Fatal("out-of-range severity marshalled")
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"abcdefghij", 6, "abc…"},
		{"ééééé", 6, "é…"},
		{"a\xffb", 10, `a\xffb`},
	}
	for _, tt := range tests {
		got := Truncate(tt.in, tt.n)
		if got != tt.want || !utf8.ValidString(got) || len(got) > max(tt.n, len(tt.want)) {
			t.Errorf("Truncate(%q,%d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
	var f Finding
	f.SetEvidence(strings.Repeat("x", 10000))
	if len(f.Evidence) > MaxEvidence {
		t.Errorf("evidence %d bytes", len(f.Evidence))
	}
}

func TestReportSortAndCounts(t *testing.T) {
	r := NewReport("scan", "dev", "a")
	r.Add(
		Finding{RuleID: "B", Severity: Low, Location: Location{File: "b"}},
		Finding{RuleID: "A", Severity: Critical, Location: Location{File: "z"}},
		Finding{RuleID: "C", Severity: Low, Location: Location{File: "a"}},
	)
	r.Sort()
	if r.Findings[0].RuleID != "A" || r.Findings[1].RuleID != "C" {
		t.Fatalf("order %v", r.Findings)
	}
	if s, ok := r.MaxSeverity(); !ok || s != Critical {
		t.Fatal(s)
	}
	if r.CountAtLeast(Medium) != 1 || r.CountAtLeast(Info) != 3 {
		t.Fatal("counts")
	}
	if got := r.Summary(); got != "3 findings: 1 critical, 2 low" {
		t.Fatal(got)
	}
	if got := NewReport("x", "").Summary(); got != "no findings" {
		t.Fatal(got)
	}
}

func TestBaseline(t *testing.T) {
	r := NewReport("scan", "dev")
	keep := Finding{RuleID: "NEW", Location: Location{File: "m.pkl", Offset: 5}}
	old := Finding{RuleID: "OLD", Location: Location{File: "m.pkl", Offset: 9}, Evidence: "e"}
	r.Add(old)
	dir := t.TempDir()
	path := filepath.Join(dir, "baseline.json")
	b, _ := json.Marshal(r)
	os.WriteFile(path, b, 0o600)
	base, err := LoadBaseline(path)
	if err != nil {
		t.Fatal(err)
	}
	// The accepted finding moved to another offset: still suppressed.
	old.Location.Offset = 100
	r2 := NewReport("scan", "dev")
	r2.Add(keep, old)
	base.Apply(r2)
	if len(r2.Findings) != 1 || r2.Findings[0].RuleID != "NEW" || r2.Suppressed != 1 {
		t.Fatalf("%+v suppressed=%d", r2.Findings, r2.Suppressed)
	}
	os.WriteFile(path, []byte("not json"), 0o600)
	if _, err := LoadBaseline(path); err == nil || !strings.Contains(err.Error(), "not a Bulwark JSON report") {
		t.Fatalf("err = %v", err)
	}
	if _, err := LoadBaseline(filepath.Join(dir, "missing.json")); err == nil {
		t.Fatal("missing baseline accepted")
	}
}
