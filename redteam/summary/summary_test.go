package summary

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-ai/bulwark/finding"
	"github.com/bulwark-ai/bulwark/redteam/judge"
	"github.com/bulwark-ai/bulwark/redteam/probe"
	"github.com/bulwark-ai/bulwark/redteam/results"
	"github.com/bulwark-ai/bulwark/report"
)

func fixture(t *testing.T) (results.Run, []results.Attempt, *probe.Catalog) {
	t.Helper()
	cat, err := probe.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	run := results.Run{ID: "run-1", Target: "openai:http://demo", Created: time.Now(), Status: results.StatusDone}
	hit := judge.Verdict{Success: true, Confidence: 0.99, Checks: []judge.Check{{Name: "marker", Fired: true, Evidence: "BWK-1 <script>"}}}
	as := []results.Attempt{
		{RunID: "run-1", Key: "PI-001#0#none#0", ProbeID: "PI-001", Category: probe.PromptInjection, Severity: finding.High, Mutators: "none",
			Success: true, Confidence: 0.99, Verdict: hit, Transcript: []results.Turn{{Role: "user", Content: "ignore"}, {Role: "assistant", Content: "BWK-1 <script>alert(1)</script>"}}},
		{RunID: "run-1", Key: "PI-001#0#base64#0", ProbeID: "PI-001", Category: probe.PromptInjection, Severity: finding.High, Mutators: "base64"},
		{RunID: "run-1", Key: "BI-001#0#none#0", ProbeID: "BI-001", Category: probe.Bias, Severity: finding.Medium, Mutators: "none"},
		{RunID: "run-1", Key: "HC-001#0#none#0", ProbeID: "HC-001", Category: probe.HarmfulContent, Severity: finding.Critical, Mutators: "none", Error: "HTTP 500"},
	}
	return run, as, cat
}

func TestReport(t *testing.T) {
	run, as, cat := fixture(t)
	rep, sum := Report("dev", run, as, cat)
	if len(rep.Findings) != 1 || len(rep.Errors) != 1 {
		t.Fatalf("findings %d errors %d", len(rep.Findings), len(rep.Errors))
	}
	f := rep.Findings[0]
	if f.RuleID != "PI-001" || f.Title == "PI-001" || len(f.Taxonomy.OWASPLLM) == 0 || len(f.Taxonomy.ATLAS) == 0 || f.Remediation == "" ||
		!strings.Contains(f.Properties["transcript"], "assistant: BWK-1") || f.Location.RequestID != "PI-001#0#none#0" {
		t.Errorf("finding = %+v", f)
	}
	if rep.Stats["redteam.asr_permille.prompt_injection"] != 500 || rep.Stats["redteam.errors"] != 1 || sum.Attempts != 3 {
		t.Errorf("stats = %v", rep.Stats)
	}
	// The generic writers accept the report.
	for _, format := range []string{"json", "sarif", "html", "table"} {
		w, err := report.New(format, report.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := w.Write(&b, rep); err != nil {
			t.Errorf("%s: %v", format, err)
		}
	}
}

func TestHTMLAndJUnit(t *testing.T) {
	run, as, cat := fixture(t)
	_, sum := Report("dev", run, as, cat)
	var b bytes.Buffer
	if err := WriteHTML(&b, run, sum, as, cat); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{"Attack success rate by category", "By probe", "<td>BI-001</td>", "prompt_injection", "50.0%", "Ignore previous instructions", "LLM01:2025", "&lt;script&gt;"} {
		if !strings.Contains(page, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if strings.Contains(page, "<script>alert") {
		t.Error("transcript not escaped")
	}
	b.Reset()
	if err := WriteJUnit(&b, run, as, cat); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Tests != 3 || doc.Failures != 1 || doc.Errors != 1 {
		t.Errorf("junit = %+v\n%s", doc, b.String())
	}
}
