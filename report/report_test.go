package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/net/html"

	"github.com/bulwark-ai/bulwark/finding"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// sampleReport is a fixed report exercising every field and location kind.
func sampleReport() *finding.Report {
	r := finding.NewReport("scan", "1.2.3", "models/evil.pkl", "models/clean.safetensors", "models/archive.zip")
	r.Started = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	r.Finished = r.Started.Add(1500 * time.Millisecond)
	r.Stats = map[string]int64{"files": 3, "bytes": 4096}
	r.Errors = []string{"models/broken.bin: read: unexpected EOF"}
	f1 := finding.Finding{
		RuleID: "PICKLE001", Title: "Dangerous callable in pickle", Severity: finding.Critical, Confidence: 0.99,
		Category: "code_execution", Location: finding.Location{File: "models/evil.pkl", Offset: 42},
		Message:     "pickle imports os.system, which runs a shell command when the file is loaded",
		Remediation: "Do not load this file; obtain the model as safetensors from a trusted source.",
		Taxonomy:    finding.Taxonomy{OWASPLLM: []string{"LLM03:2025"}, ATLAS: []string{"AML.T0010"}, CWE: []string{"CWE-502"}},
		Properties:  map[string]string{"callable": "os.system", "opcode": "STACK_GLOBAL"},
	}
	f1.SetEvidence("os system <script>alert('x')</script> & \"quotes\"")
	f2 := finding.Finding{
		RuleID: "ARCHIVE002", Title: "Zip slip member name", Severity: finding.High, Confidence: 0.9,
		Location: finding.Location{File: "models/archive.zip", Member: "../../etc/passwd", Offset: 0},
		Message:  "archive member escapes the extraction folder",
		Taxonomy: finding.Taxonomy{CWE: []string{"CWE-22"}},
	}
	f3 := finding.Finding{
		RuleID: "PI001", Title: "Prompt injection", Severity: finding.Medium, Confidence: 0.7,
		Location: finding.Location{RequestID: "req-7", Offset: -1, Start: 3, End: 20},
		Message:  "instruction override in a user prompt\x1b[31m",
	}
	f4 := finding.Finding{
		RuleID: "SECRET010", Title: "Token in config", Severity: finding.Low, Confidence: 0.5,
		Location: finding.Location{File: "models/config dir/config.json", Line: 7, Offset: -1},
		Message:  "a token-like string",
	}
	r.Add(f3, f1, f4, f2)
	r.Sort()
	return r
}

func render(t *testing.T, format string, r *finding.Report) []byte {
	t.Helper()
	w, err := New(format, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := w.Write(&b, r); err != nil {
		t.Fatalf("%s: %v", format, err)
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	for _, tt := range []struct{ format, file string }{
		{"table", "report.txt"},
		{"json", "report.json"},
		{"sarif", "report.sarif"},
		{"junit", "report.xml"},
		{"html", "report.html"},
	} {
		t.Run(tt.format, func(t *testing.T) {
			got := render(t, tt.format, sampleReport())
			path := filepath.Join("testdata", "golden", tt.file)
			if *update {
				os.MkdirAll(filepath.Dir(path), 0o755)
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./report -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s output differs from %s (run go test ./report -update and review the diff)\n%s", tt.format, path, got)
			}
		})
	}
}

func compileSchema(t *testing.T, path string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource(path, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, data []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return s.Validate(inst)
}

func TestSARIFValidAgainstSchema(t *testing.T) {
	s := compileSchema(t, filepath.Join("testdata", "sarif-schema-2.1.0.json"))
	for name, r := range map[string]*finding.Report{
		"sample": sampleReport(),
		"empty":  finding.NewReport("scan", "dev"),
	} {
		out := render(t, "sarif", r)
		if err := validate(t, s, out); err != nil {
			t.Errorf("%s: SARIF invalid: %v", name, err)
		}
	}
	// The schema must be able to fail: a log missing its version is rejected.
	if err := validate(t, s, []byte(`{"runs":[]}`)); err == nil {
		t.Error("schema accepted a log without version")
	}
}

func TestSARIFForGitHub(t *testing.T) {
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID         string         `json:"id"`
						Properties map[string]any `json:"properties"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string } `json:"artifactLocation"`
					} `json:"physicalLocation"`
				} `json:"locations"`
				PartialFingerprints map[string]string `json:"partialFingerprints"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(render(t, "sarif", sampleReport()), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if len(run.Results) != 4 || len(run.Tool.Driver.Rules) != 4 {
		t.Fatalf("results %d rules %d", len(run.Results), len(run.Tool.Driver.Rules))
	}
	for _, res := range run.Results {
		if run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("ruleIndex %d does not point at %s", res.RuleIndex, res.RuleID)
		}
		if len(res.PartialFingerprints) == 0 {
			t.Errorf("%s: no fingerprint", res.RuleID)
		}
	}
	if got := run.Results[0].Level; got != "error" {
		t.Errorf("critical level = %s", got)
	}
	if sev := run.Tool.Driver.Rules[0].Properties["security-severity"]; sev != "9.5" {
		t.Errorf("security-severity = %v", sev)
	}
	for _, res := range run.Results {
		for _, l := range res.Locations {
			if u := l.PhysicalLocation.ArtifactLocation.URI; strings.Contains(u, " ") {
				t.Errorf("unescaped uri %q", u)
			}
		}
	}
}

func TestJSONValidAgainstSchema(t *testing.T) {
	s := compileSchema(t, filepath.Join("schema", "report.schema.json"))
	out := render(t, "json", sampleReport())
	if err := validate(t, s, out); err != nil {
		t.Fatalf("JSON report invalid: %v", err)
	}
	// Round trip: the JSON reads back into the same report.
	var back finding.Report
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Findings) != 4 || back.Findings[0].Severity != finding.Critical {
		t.Fatalf("round trip lost data: %+v", back.Findings)
	}
	if err := validate(t, s, []byte(`{"schema_version":"1.0","tool":"bulwark"}`)); err == nil {
		t.Error("schema accepted an incomplete report")
	}
}

func TestJUnitParseable(t *testing.T) {
	out := render(t, "junit", sampleReport())
	var doc JUnitSuites
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("JUnit not parseable: %v", err)
	}
	s := doc.Suites[0]
	// 4 findings + 1 clean target + 1 error.
	if s.Tests != 6 || s.Failures != 4 || s.Errors != 1 || len(s.Cases) != 6 {
		t.Fatalf("tests=%d failures=%d errors=%d cases=%d", s.Tests, s.Failures, s.Errors, len(s.Cases))
	}
	if strings.ContainsRune(string(out), 0x1b) {
		t.Error("control character leaked into XML")
	}
}

func TestHTMLSelfContained(t *testing.T) {
	out := render(t, "html", sampleReport())
	doc, err := html.Parse(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(n *html.Node)
	scripts := 0
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "link", "iframe", "object", "embed", "img":
				t.Errorf("external-capable element <%s>", n.Data)
			case "script":
				scripts++
			}
			for _, a := range n.Attr {
				switch a.Key {
				case "src", "href", "action", "srcset", "poster", "data":
					t.Errorf("<%s %s=%q> may load a resource", n.Data, a.Key, a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if scripts != 1 {
		t.Errorf("want 1 inline script, got %d", scripts)
	}
	s := string(out)
	if strings.Contains(s, "<script>alert") {
		t.Error("evidence not escaped")
	}
	if !strings.Contains(s, "default-src 'none'") {
		t.Error("no CSP")
	}
	for _, want := range []string{"PICKLE001", "os.system", "../../etc/passwd", "Inputs that could not be examined"} {
		if !strings.Contains(s, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
}

func TestTableColorOnlyWhenAsked(t *testing.T) {
	var plain, color bytes.Buffer
	if err := WriteTable(&plain, sampleReport(), false); err != nil {
		t.Fatal(err)
	}
	if err := WriteTable(&color, sampleReport(), true); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "\x1b") {
		t.Error("plain table has escape codes (a hostile message must not reach the terminal either)")
	}
	if !strings.Contains(color.String(), "\x1b[") {
		t.Error("colour table has no colour")
	}
}

func TestUnknownFormat(t *testing.T) {
	if _, err := New("pdf", Options{}); err == nil || !strings.Contains(err.Error(), "sarif") {
		t.Fatalf("err = %v", err)
	}
}
