package bom

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/bulwark-ai/bulwark/finding"
	"github.com/bulwark-ai/bulwark/provenance/attest"
	"github.com/bulwark-ai/bulwark/provenance/lineage"
	"github.com/bulwark-ai/bulwark/provenance/manifest"
	"github.com/bulwark-ai/bulwark/provenance/modelsig"
)

const readme = `---
license: apache-2.0
datasets:
- imdb
- acme/reviews-2024
base_model: google-bert/bert-base-uncased
pipeline_tag: text-classification
library_name: transformers
tags: [sentiment, bert]
language: en
---
# bert-sentiment

Fine-tuned for sentiment.
`

func hfModel(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "bert-sentiment")
	os.MkdirAll(dir, 0o755)
	files := map[string]string{
		"README.md":         readme,
		"config.json":       `{"architectures":["BertForSequenceClassification"],"model_type":"bert","transformers_version":"4.44.2","torch_dtype":"float32"}`,
		"model.safetensors": strings.Repeat("\x00", 2048),
		"pytorch_model.bin": "PK\x03\x04 pretend",
	}
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestBuildBOM(t *testing.T) {
	dir := hfModel(t)
	scan := finding.NewReport("scan", "dev", dir)
	scan.Add(finding.Finding{RuleID: "PICKLE001", Title: "Dangerous import", Severity: finding.Critical, Message: "imports os.system",
		Location: finding.Location{File: filepath.Join(dir, "pytorch_model.bin"), Member: "archive/data.pkl"}, Taxonomy: finding.Taxonomy{CWE: []string{"CWE-502"}}})
	sig := &SignatureStatus{State: SigVerified, Signer: &modelsig.SignerInfo{Method: modelsig.MethodKeyless, Identity: "release@acme.com", Issuer: "https://accounts.google.com"}}
	b, warnings, err := Build(context.Background(), dir, Options{Scan: scan, Signature: sig, ToolVersion: "1.2.3", Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Fatalf("warnings %v", warnings)
	}
	var buf bytes.Buffer
	if err := Encode(&buf, b); err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(buf.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	if raw["bomFormat"] != "CycloneDX" || raw["specVersion"] != "1.6" || !strings.HasPrefix(raw["serialNumber"].(string), "urn:uuid:") {
		t.Fatalf("header %v %v %v", raw["bomFormat"], raw["specVersion"], raw["serialNumber"])
	}
	// Decode with the library to check the structure.
	var got cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(buf.Bytes()), cdx.BOMFileFormatJSON).Decode(&got); err != nil {
		t.Fatal(err)
	}
	m := got.Metadata.Component
	if m.Type != cdx.ComponentTypeMachineLearningModel || m.Name != "bert-sentiment" {
		t.Fatalf("model component %+v", m)
	}
	if (*m.Licenses)[0].License.ID != "Apache-2.0" {
		t.Fatalf("licence %+v", (*m.Licenses)[0].License)
	}
	mp := m.ModelCard.ModelParameters
	if mp.Task != "text-classification" || mp.ModelArchitecture != "BertForSequenceClassification" || mp.ArchitectureFamily != "bert" || len(*mp.Datasets) != 2 || (*mp.Datasets)[1].Ref != "dataset:acme/reviews-2024" {
		t.Fatalf("model parameters %+v", mp)
	}
	if len(*m.Components) != 4 {
		t.Fatalf("%d file components", len(*m.Components))
	}
	for _, f := range *m.Components {
		if f.Type != cdx.ComponentTypeFile || len((*f.Hashes)[0].Value) != 64 {
			t.Fatalf("file component %+v", f)
		}
	}
	mf, _ := manifest.Build(context.Background(), dir, manifest.Options{})
	if (*m.Hashes)[0].Value != hexOf(mf.RootDigest()) {
		t.Fatal("model hash is not the manifest root digest")
	}
	props := map[string]string{}
	for _, p := range *m.Properties {
		props[p.Name] = p.Value
	}
	if props["bulwark:signature:status"] != "verified" || props["bulwark:signature:identity"] != "release@acme.com" || props["huggingface:torch_dtype"] != "float32" {
		t.Fatalf("properties %v", props)
	}
	if m.Pedigree == nil || (*m.Pedigree.Ancestors)[0].Name != "google-bert/bert-base-uncased" {
		t.Fatalf("pedigree %+v", m.Pedigree)
	}
	names := map[string]cdx.ComponentType{}
	for _, c := range *got.Components {
		names[c.Name] = c.Type
	}
	if names["imdb"] != cdx.ComponentTypeData || names["google-bert/bert-base-uncased"] != cdx.ComponentTypeMachineLearningModel || names["transformers"] != cdx.ComponentTypeLibrary {
		t.Fatalf("components %v", names)
	}
	deps := (*got.Dependencies)[0]
	if deps.Ref != "model:bert-sentiment" || len(*deps.Dependencies) != 4 {
		t.Fatalf("dependencies %+v", deps)
	}
	v := (*got.Vulnerabilities)[0]
	if v.ID != "PICKLE001" || (*v.Ratings)[0].Severity != cdx.SeverityCritical || (*v.Affects)[0].Ref != "file:pytorch_model.bin" || (*v.CWEs)[0] != 502 {
		t.Fatalf("vulnerability %+v", v)
	}
}

func hexOf(b []byte) string {
	const h = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, h[c>>4], h[c&15])
	}
	return string(out)
}

func TestBuildBOMBareFolder(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "weights.npy"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(dir, "config.json"), []byte("{not json"), 0o644)
	os.WriteFile(filepath.Join(dir, "README.md"), []byte("---\nlicense: [unclosed\n---\n"), 0o644)
	b, warnings, err := Build(context.Background(), dir, Options{Name: "custom", Version: "2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 2 {
		t.Fatalf("warnings %v", warnings)
	}
	m := b.Metadata.Component
	if m.Name != "custom" || m.Version != "2" || m.ModelCard != nil || b.Components != nil || b.Vulnerabilities != nil {
		t.Fatalf("bare BOM %+v", m)
	}
	if _, _, err := Build(context.Background(), filepath.Join(dir, "missing"), Options{}); err == nil {
		t.Fatal("missing folder accepted")
	}
}

func TestFrontMatter(t *testing.T) {
	cases := map[string]string{
		"---\na: 1\n---\nbody":               "a: 1\n",
		"\xef\xbb\xbf---\r\na: 1\r\n---\r\n": "a: 1\n",
		"---\na: 1\n---":                     "a: 1\n",
		"---\n---\n":                         "",
		"# no front matter":                  "<nil>",
		"---\nnever closed\n":                "<nil>",
	}
	for in, want := range cases {
		got := FrontMatter([]byte(in))
		s := string(got)
		if got == nil {
			s = "<nil>"
		}
		if s != want {
			t.Errorf("FrontMatter(%q) = %q, want %q", in, s, want)
		}
	}
	var info ModelInfo
	if err := info.ApplyReadme([]byte("---\nlicense: other\nlicense_name: acme-research\ndatasets: single\nbase_model: [a/b, c/d]\n---\n")); err != nil {
		t.Fatal(err)
	}
	if info.Licenses[0] != "acme-research" || info.Datasets[0] != "single" || len(info.BaseModels) != 2 {
		t.Fatalf("info %+v", info)
	}
}

// FuzzModelCard fuzzes the README front matter and config.json readers.
func FuzzModelCard(f *testing.F) {
	f.Add([]byte(readme))
	f.Add([]byte(`{"architectures":["X"],"model_type":"y","torch_dtype":null}`))
	f.Add([]byte("---\nlicense: &a [*a]\n---\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var info ModelInfo
		_ = info.ApplyReadme(data)
		_ = info.ApplyConfig(data)
	})
}

func TestBuildBOMWithTrainingAttestation(t *testing.T) {
	dir := hfModel(t)
	m, err := manifest.Build(context.Background(), dir, manifest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := attest.TrainingStatement(attest.Training{
		Model:      attest.Artifact{Name: "bert-sentiment", Digest: hexOf(m.RootDigest())},
		BaseModels: []attest.Artifact{{Name: "google-bert/bert-base-uncased", Digest: strings.Repeat("b", 64)}},
		Datasets:   []attest.Artifact{{Name: "imdb", Digest: strings.Repeat("d", 64)}, {Name: "private-reviews", Digest: strings.Repeat("e", 64)}},
		Frameworks: []attest.Package{{Name: "torch", Version: "2.3.0"}},
		Libraries:  []attest.Package{{Name: "transformers", Version: "4.44.2"}, {Name: "peft", Version: "0.12.0"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	attDir := t.TempDir()
	raw, _ := attest.MarshalStatement(st)
	os.WriteFile(filepath.Join(attDir, "train.json"), raw, 0o644)
	other, _ := attest.TrainingStatement(attest.Training{Model: attest.Artifact{Name: "other", Digest: strings.Repeat("f", 64)}, Datasets: []attest.Artifact{{Name: "unrelated", Digest: strings.Repeat("a", 64)}}})
	raw, _ = attest.MarshalStatement(other)
	os.WriteFile(filepath.Join(attDir, "other.json"), raw, 0o644)
	g, err := lineage.Load(context.Background(), attDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := Build(context.Background(), dir, Options{Attestations: g})
	if err != nil {
		t.Fatal(err)
	}
	comps := map[string]cdx.Component{}
	for _, c := range *b.Components {
		comps[c.BOMRef] = c
	}
	if len(comps) != 7 {
		t.Fatalf("components %v", comps)
	}
	if c := comps["dataset:imdb"]; c.Hashes == nil || (*c.Hashes)[0].Value != strings.Repeat("d", 64) {
		t.Fatalf("imdb (card + attestation) = %+v", c)
	}
	if _, ok := comps["dataset:private-reviews"]; !ok {
		t.Fatal("attested dataset missing")
	}
	if _, ok := comps["dataset:unrelated"]; ok {
		t.Fatal("another model's dataset included")
	}
	if c := comps["pkg:pypi/torch@2.3.0"]; c.Version != "2.3.0" {
		t.Fatalf("torch = %+v", c)
	}
	if c := comps["base-model:google-bert/bert-base-uncased"]; c.Hashes == nil {
		t.Fatalf("base model = %+v", c)
	}
	if len(*b.Metadata.Component.ModelCard.ModelParameters.Datasets) != 3 {
		t.Fatalf("model card datasets %+v", *b.Metadata.Component.ModelCard.ModelParameters.Datasets)
	}
	if len(*(*b.Dependencies)[0].Dependencies) != 7 {
		t.Fatalf("dependencies %+v", (*b.Dependencies)[0])
	}
}
