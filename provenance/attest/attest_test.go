package attest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-ai/bulwark/provenance/manifest"
	"github.com/bulwark-ai/bulwark/provenance/modelsig"
)

func keyPair(t *testing.T) (*modelsig.Signer, modelsig.Verifier) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := modelsig.NewKeySigner(k)
	if err != nil {
		t.Fatal(err)
	}
	v, err := modelsig.NewKeyVerifier(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

func writeDataset(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "train"), 0o755)
	os.WriteFile(filepath.Join(dir, "train", "part-0.jsonl"), []byte(`{"text":"a"}`+"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "test.jsonl"), []byte(`{"text":"b"}`+"\n"), 0o644)
	return dir
}

func TestDatasetAttestationRoundTrip(t *testing.T) {
	s, v := keyPair(t)
	dir := writeDataset(t)
	st, m, err := DatasetStatement(context.Background(), dir, Dataset{
		Name: "reviews-2024", SourceURLs: []string{"https://example.com/reviews.tar"}, License: "CC-BY-4.0", RetentionUntil: "2027-06-30",
	}, manifest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if st.GetSubject()[0].GetDigest()["sha256"] != hex.EncodeToString(m.RootDigest()) {
		t.Fatal("subject digest is not the dataset root digest")
	}
	f := st.GetPredicate().GetFields()
	if f["license"].GetStringValue() != "CC-BY-4.0" || f["retentionUntil"].GetStringValue() != "2027-06-30" ||
		len(f["files"].GetListValue().GetValues()) != 2 || f["sourceUrls"].GetListValue().GetValues()[0].GetStringValue() != "https://example.com/reviews.tar" {
		t.Fatalf("predicate = %v", f)
	}
	data, err := Sign(st, s)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if a.Statement.GetPredicateType() != PredicateDataset {
		t.Fatalf("predicate type %q", a.Statement.GetPredicateType())
	}
	if _, err := a.Verify(context.Background(), v); err != nil {
		t.Fatalf("verify: %v", err)
	}
	_, other := keyPair(t)
	if _, err := a.Verify(context.Background(), other); !errors.Is(err, modelsig.ErrSignature) {
		t.Fatalf("other key: %v", err)
	}
	// A bare statement parses but cannot verify.
	raw, _ := MarshalStatement(st)
	bare, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bare.Verify(context.Background(), v); !errors.Is(err, modelsig.ErrSignature) {
		t.Fatalf("unsigned statement verified: %v", err)
	}
}

func TestDatasetErrors(t *testing.T) {
	dir := writeDataset(t)
	for _, d := range []Dataset{
		{},
		{Name: "x", RetentionUntil: "next year"},
		{Name: "x", SourceURLs: []string{"example.com"}},
	} {
		if _, _, err := DatasetStatement(context.Background(), dir, d, manifest.Options{}); !errors.Is(err, ErrAttestation) {
			t.Errorf("%+v: err = %v", d, err)
		}
	}
}

func digestOf(s string) string { return strings.Repeat(s, 64/len(s)) }

func TestTrainingAttestation(t *testing.T) {
	s, v := keyPair(t)
	tr := Training{
		Model:           Artifact{Name: "acme/bert-sentiment", Digest: digestOf("ab")},
		BaseModels:      []Artifact{{Name: "google/bert-base", Digest: digestOf("cd"), URI: "https://huggingface.co/google-bert/bert-base-uncased"}},
		Datasets:        []Artifact{{Name: "reviews-2024", Digest: digestOf("ef")}},
		Frameworks:      []Package{{Name: "torch", Version: "2.3.0"}},
		Libraries:       []Package{{Name: "Transformers", Version: "4.44.2"}},
		Hyperparameters: map[string]any{"learning_rate": 3e-5, "epochs": 3.0, "optimizer": "adamw"},
		Environment:     map[string]string{"accelerator": "NVIDIA H100", "cuda": "12.4"},
		InvocationID:    "job-42",
		StartedOn:       time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		FinishedOn:      time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC),
	}
	st, err := TrainingStatement(tr)
	if err != nil {
		t.Fatal(err)
	}
	if st.GetPredicateType() != PredicateSLSA {
		t.Fatal(st.GetPredicateType())
	}
	bd := st.GetPredicate().GetFields()["buildDefinition"].GetStructValue().GetFields()
	if bd["buildType"].GetStringValue() != BuildTypeTraining {
		t.Fatalf("buildType %v", bd["buildType"])
	}
	deps := bd["resolvedDependencies"].GetListValue().GetValues()
	if len(deps) != 4 {
		t.Fatalf("%d dependencies", len(deps))
	}
	if got := deps[3].GetStructValue().GetFields()["uri"].GetStringValue(); got != "pkg:pypi/transformers@4.44.2" {
		t.Fatalf("library purl %q", got)
	}
	hp := bd["externalParameters"].GetStructValue().GetFields()["hyperparameters"].GetStructValue().GetFields()
	if hp["optimizer"].GetStringValue() != "adamw" || hp["learning_rate"].GetNumberValue() != 3e-5 {
		t.Fatalf("hyperparameters %v", hp)
	}
	md := st.GetPredicate().GetFields()["runDetails"].GetStructValue().GetFields()["metadata"].GetStructValue().GetFields()
	if md["startedOn"].GetStringValue() != "2026-01-02T03:04:05Z" || md["invocationId"].GetStringValue() != "job-42" {
		t.Fatalf("metadata %v", md)
	}
	data, err := Sign(st, s)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Verify(context.Background(), v); err != nil {
		t.Fatal(err)
	}
	bad := []Training{
		{Model: Artifact{Name: "m", Digest: "xyz"}},
		{Model: Artifact{Digest: digestOf("ab")}},
		{Model: Artifact{Name: "m", Digest: digestOf("ab")}, Datasets: []Artifact{{Name: "d", Digest: "12"}}},
		{Model: Artifact{Name: "m", Digest: digestOf("ab")}, Frameworks: []Package{{Name: "torch"}}},
		{Model: Artifact{Name: "m", Digest: strings.ToUpper(digestOf("ab"))}},
	}
	for i, b := range bad {
		if _, err := TrainingStatement(b); !errors.Is(err, ErrAttestation) {
			t.Errorf("bad %d: err = %v", i, err)
		}
	}
}

func TestParsePackageAndRequirements(t *testing.T) {
	for in, want := range map[string]Package{
		"torch==2.3.0":               {Name: "torch", Version: "2.3.0"},
		" transformers == 4.44.2 ":   {Name: "transformers", Version: "4.44.2"},
		"torch==2.3.0+cu121":         {Name: "torch", Version: "2.3.0+cu121"},
		"accelerate[deepspeed]==1.0": {Name: "accelerate", Version: "1.0"},
	} {
		got, err := ParsePackage(in)
		if err != nil || got != want {
			t.Errorf("ParsePackage(%q) = %+v, %v", in, got, err)
		}
	}
	for _, in := range []string{"torch", "torch>=2", "==1", "torch==", ""} {
		if _, err := ParsePackage(in); err == nil {
			t.Errorf("ParsePackage(%q) accepted", in)
		}
	}
	reqs := "# pinned\nnumpy==1.26.4\n\n-r base.txt\nsafetensors==0.4.3 # fast\nfoo==1.0; python_version<'3.12'\n"
	ps, err := ParseRequirements(strings.NewReader(reqs))
	if err != nil || len(ps) != 3 || ps[2].Name != "foo" {
		t.Fatalf("requirements = %+v, %v", ps, err)
	}
	if _, err := ParseRequirements(strings.NewReader("numpy>=1\n")); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("unpinned requirement: %v", err)
	}
	if NormalizeName("Py_Torch..Lightning") != "py-torch-lightning" {
		t.Fatal(NormalizeName("Py_Torch..Lightning"))
	}
}

func TestParseMalformed(t *testing.T) {
	for _, in := range []string{"", "nope", `{}`, `{"_type":"https://in-toto.io/Statement/v1"}`, `{"dsseEnvelope":{}}`, `[1]`} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) accepted", in)
		}
	}
}

// FuzzParse fuzzes the attestation reader.
func FuzzParse(f *testing.F) {
	st, _ := TrainingStatement(Training{Model: Artifact{Name: "m", Digest: digestOf("ab")}, Frameworks: []Package{{Name: "torch", Version: "2.3.0"}}})
	raw, _ := MarshalStatement(st)
	f.Add(raw)
	f.Add([]byte(`{"dsseEnvelope":{"payload":"e30=","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"AA=="}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := Parse(data)
		if err == nil && a.Statement == nil {
			t.Fatal("accepted without statement")
		}
	})
}

// FuzzParseRequirements fuzzes the requirements reader.
func FuzzParseRequirements(f *testing.F) {
	f.Add("numpy==1.26.4\n# c\n-r x\nfoo[bar]==1.0 ; python_version<'3'\n")
	f.Add("torch==")
	f.Fuzz(func(t *testing.T, s string) {
		ps, err := ParseRequirements(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, p := range ps {
			if p.Name == "" || p.Version == "" {
				t.Fatalf("accepted %+v", p)
			}
		}
	})
}
