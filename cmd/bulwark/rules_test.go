package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-ai/bulwark/finding"
)

var updateRulesDoc = flag.Bool("update", false, "rewrite docs/rules.md from the rule catalogue")

// rulesDocPath is the generated catalogue page.
var rulesDocPath = filepath.Join("..", "..", "docs", "rules.md")

// TestRulesCatalog checks the whole catalogue: unique ids (ruleCatalog
// fails on a duplicate), complete records, samples or a reason for their
// absence, a false-positive sample for every text rule with samples, and a
// mention of every finding rule in the pillar documentation. The samples
// themselves run in each pillar's tests (detect.TestRulesSamples ...).
func TestRulesCatalog(t *testing.T) {
	cat, err := ruleCatalog()
	if err != nil {
		t.Fatal(err)
	}
	if cat.Len() < 150 {
		t.Fatalf("catalogue holds %d rules; a pillar is missing", cat.Len())
	}
	docs := pillarDocs(t)
	for _, r := range cat.Rules() {
		if err := r.Validate(); err != nil {
			t.Error(err)
		}
		if len(r.TruePositives) == 0 && r.NoSamples == "" {
			t.Errorf("%s: no true-positive sample and no reason", r.ID)
		}
		if (r.Pillar == "detect" || r.Pillar == "secrets") && len(r.TruePositives) > 0 && len(r.FalsePositives) == 0 {
			t.Errorf("%s: text rule without a false-positive sample", r.ID)
		}
		// Heuristic phrase rules (PI-, JB-, PE-) are documented by the
		// generated docs/rules.md alone; finding rules also in their pillar's page.
		if !strings.Contains(r.ID, "-") && !strings.Contains(docs, r.ID) {
			t.Errorf("%s: not mentioned in docs/ (outside rules.md)", r.ID)
		}
	}
}

// pillarDocs returns the text of every docs page but the generated one.
func pillarDocs(t *testing.T) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range files {
		if filepath.Base(f) == "rules.md" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
	}
	return b.String()
}

// TestRulesDoc checks that docs/rules.md is the catalogue's current
// rendering; -update rewrites it.
func TestRulesDoc(t *testing.T) {
	code, out, errs := runCLI(t, nil, "rules", "--format", "markdown")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if *updateRulesDoc {
		if err := os.WriteFile(rulesDocPath, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(rulesDocPath)
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != out {
		t.Fatal("docs/rules.md is out of date: run go test ./cmd/bulwark -run TestRulesDoc -update")
	}
}

func TestRulesCLI(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{"table", []string{"rules"}, 0, []string{"PICKLE001", "critical", "CWE-502", "DET001", "PI-", "PROV001", "SECRET001"}, ""},
		{"pillar", []string{"rules", "--pillar", "provenance"}, 0, []string{"PROV001", "PROV011"}, ""},
		{"bad pillar", []string{"rules", "--pillar", "nope"}, 2, nil, "no such pillar"},
		{"bad format", []string{"rules", "--format", "xml"}, 2, nil, "--format"},
		{"args", []string{"rules", "x"}, 2, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCLI(t, nil, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d (stderr %s)", code, tt.code, errs)
			}
			for _, s := range tt.stdout {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q", s)
				}
			}
			if !strings.Contains(errs, tt.stderr) {
				t.Errorf("stderr %q lacks %q", errs, tt.stderr)
			}
			if tt.name == "pillar" && strings.Contains(out, "PICKLE001") {
				t.Error("--pillar provenance lists a modelscan rule")
			}
		})
	}
}

func TestRulesJSON(t *testing.T) {
	code, out, errs := runCLI(t, nil, "rules", "--format", "json", "--pillar", "modelscan")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rules []finding.Rule
	if err := json.Unmarshal([]byte(out), &rules); err != nil {
		t.Fatal(err)
	}
	var pickle *finding.Rule
	for i := range rules {
		if rules[i].Pillar != "modelscan" {
			t.Errorf("%s: pillar %s", rules[i].ID, rules[i].Pillar)
		}
		if rules[i].ID == "PICKLE001" {
			pickle = &rules[i]
		}
	}
	if pickle == nil || pickle.Severity != finding.Critical || pickle.Remediation == "" || len(pickle.Taxonomy.CWE) == 0 {
		t.Fatalf("PICKLE001 record = %+v", pickle)
	}
}
