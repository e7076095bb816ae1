package lineage

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	intoto "github.com/in-toto/attestation/go/v1"

	"github.com/bulwark-ai/bulwark/provenance/attest"
	"github.com/bulwark-ai/bulwark/provenance/manifest"
	"github.com/bulwark-ai/bulwark/provenance/modelsig"
)

func d(c string) string { return strings.Repeat(c, 64) }

// fixture writes: dataset "reviews" (digest from real files), and models
//
//	base (torch 2.2.0, dataset webtext)
//	ft   (base model = base, dataset reviews, torch 2.3.0)
//	ft2  (base model = ft, torch 2.3.0, transformers 4.44.2)
//	other (dataset by digest "ee..", torch 2.3.1)
//
// signed with key k, plus one unsigned and one foreign-signed attestation.
func fixture(t *testing.T) (dir string, v modelsig.Verifier, reviewsDigest string) {
	t.Helper()
	dir = t.TempDir()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	s, _ := modelsig.NewKeySigner(k)
	v, _ = modelsig.NewKeyVerifier(k.Public())
	ok, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	foreign, _ := modelsig.NewKeySigner(ok)

	data := t.TempDir()
	os.WriteFile(filepath.Join(data, "reviews.jsonl"), []byte("{}\n"), 0o644)
	ds, m, err := attest.DatasetStatement(context.Background(), data, attest.Dataset{Name: "reviews"}, manifest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	reviewsDigest = strings.ToLower(hexOf(m.RootDigest()))
	write := func(name string, st *intoto.Statement, signer *modelsig.Signer) {
		var out []byte
		var err error
		if signer == nil {
			out, err = attest.MarshalStatement(st)
		} else {
			out, err = attest.Sign(st, signer)
		}
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("datasets/reviews.json", ds, s)
	train := func(name, digest string, base []attest.Artifact, datasets []attest.Artifact, pkgs ...attest.Package) *intoto.Statement {
		st, err := attest.TrainingStatement(attest.Training{Model: attest.Artifact{Name: name, Digest: digest}, BaseModels: base, Datasets: datasets, Frameworks: pkgs[:1], Libraries: pkgs[1:]})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	torch := func(v string) attest.Package { return attest.Package{Name: "torch", Version: v} }
	write("models/base.json", train("base", d("1"), nil, []attest.Artifact{{Name: "webtext", Digest: d("2")}}, torch("2.2.0")), s)
	write("models/ft.sig", train("ft", d("3"), []attest.Artifact{{Name: "base", Digest: d("1")}}, []attest.Artifact{{Name: "reviews-copy", Digest: reviewsDigest}}, torch("2.3.0")), s)
	write("models/ft2.json", train("ft2", d("4"), []attest.Artifact{{Name: "ft", Digest: d("3")}}, nil, torch("2.3.0"), attest.Package{Name: "Transformers", Version: "4.44.2"}), s)
	write("models/other.json", train("other", d("5"), nil, []attest.Artifact{{Name: "misc", Digest: d("e")}}, torch("2.3.1")), s)
	write("untrusted/unsigned.json", train("rogue", d("6"), nil, []attest.Artifact{{Name: "reviews", Digest: reviewsDigest}}, torch("2.3.0")), nil)
	write("untrusted/foreign.json", train("foreign", d("7"), nil, []attest.Artifact{{Name: "reviews", Digest: reviewsDigest}}, torch("2.3.0")), foreign)
	os.WriteFile(filepath.Join(dir, "notes.json"), []byte(`{"hello":1}`), 0o644)
	os.WriteFile(filepath.Join(dir, "README.md"), []byte("not read"), 0o644)
	return dir, v, reviewsDigest
}

func hexOf(b []byte) string {
	const h = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, h[c>>4], h[c&15])
	}
	return string(out)
}

func names(ms []Match) string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Model.Name)
	}
	return strings.Join(out, ",")
}

func TestFind(t *testing.T) {
	dir, v, reviews := fixture(t)
	g, err := Load(context.Background(), dir, v)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Models) != 4 || len(g.Datasets) != 1 {
		t.Fatalf("models %d datasets %d", len(g.Models), len(g.Datasets))
	}
	if len(g.Skipped) != 3 {
		t.Fatalf("skipped = %+v", g.Skipped)
	}
	cases := []struct {
		q    Query
		want string
	}{
		{Query{Dataset: "reviews"}, "ft,ft2"},
		{Query{Dataset: "sha256:" + reviews}, "ft,ft2"},
		{Query{Dataset: strings.ToUpper(reviews)}, "ft,ft2"},
		{Query{Dataset: "webtext"}, "base,ft,ft2"},
		{Query{Dataset: d("e")}, "other"},
		{Query{Dataset: "nothing"}, ""},
		{Query{Framework: "torch==2.3.0"}, "ft,ft2"},
		{Query{Framework: "torch==2.2.0"}, "base,ft,ft2"},
		{Query{Framework: "torch"}, "base,ft,ft2,other"},
		{Query{Framework: "transformers==4.44.2"}, "ft2"},
		{Query{Framework: "TRANSFORMERS==4.44.2"}, "ft2"},
		{Query{BaseModel: d("1")}, "ft,ft2"},
		{Query{BaseModel: "ft"}, "ft2"},
	}
	for _, c := range cases {
		ms, err := g.Find(c.q)
		if err != nil {
			t.Fatal(err)
		}
		if got := names(ms); got != c.want {
			t.Errorf("%+v: %q, want %q", c.q, got, c.want)
		}
	}
	ms, _ := g.Find(Query{Dataset: "reviews"})
	if !ms[0].Direct || ms[1].Direct || strings.Join(ms[1].Via, " > ") != "dataset reviews > model ft > model ft2" {
		t.Fatalf("via = %+v", ms)
	}
	for _, q := range []Query{{}, {Dataset: "a", Framework: "b"}, {Framework: "torch=="}} {
		if _, err := g.Find(q); !errors.Is(err, ErrQuery) {
			t.Errorf("%+v: err = %v", q, err)
		}
	}
}

func TestLoadUnverified(t *testing.T) {
	dir, _, _ := fixture(t)
	g, err := Load(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := g.Find(Query{Dataset: "reviews"})
	if got := names(ms); got != "foreign,ft,ft2,rogue" {
		t.Fatalf("without verification: %q", got)
	}
	if _, err := Load(context.Background(), filepath.Join(dir, "missing"), nil); err == nil {
		t.Fatal("missing folder accepted")
	}
}

// FuzzGraph feeds arbitrary attestations to the graph builder and queries.
func FuzzGraph(f *testing.F) {
	st, _ := attest.TrainingStatement(attest.Training{Model: attest.Artifact{Name: "m", Digest: d("1")},
		Datasets: []attest.Artifact{{Name: "ds", Digest: d("2")}}, Frameworks: []attest.Package{{Name: "torch", Version: "2.3.0"}}})
	raw, _ := attest.MarshalStatement(st)
	f.Add(raw)
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"x","digest":{"sha256":"` + d("3") + `"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{"buildDefinition":{"buildType":"https://bulwark.dev/attestation/training/v1","resolvedDependencies":[{"name":1},{"annotations":{"role":"base_model"}}]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := attest.Parse(data)
		if err != nil {
			return
		}
		g := &Graph{}
		g.add(a, nil)
		g.add(a, nil)
		for _, q := range []Query{{Dataset: "ds"}, {Framework: "torch==2.3.0"}, {BaseModel: d("1")}} {
			if _, err := g.Find(q); err != nil {
				t.Fatal(err)
			}
		}
	})
}
