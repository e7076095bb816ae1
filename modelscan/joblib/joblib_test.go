package joblib_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/bulwark-ai/bulwark/finding"
	"github.com/bulwark-ai/bulwark/modelscan/format"
	"github.com/bulwark-ai/bulwark/modelscan/internal/fixtures"
	"github.com/bulwark-ai/bulwark/modelscan/joblib"
	"github.com/bulwark-ai/bulwark/modelscan/pickle"
	"github.com/bulwark-ai/bulwark/modelscan/policy"
)

func scanWith(t testing.TB, sc format.Scanner, data []byte) string {
	t.Helper()
	var out []string
	in := format.Input{Loc: finding.Location{File: "m.joblib"}, Name: "m.joblib", R: bytes.NewReader(data), Size: int64(len(data))}
	err := sc.Scan(context.Background(), in, func(f finding.Finding) {
		out = append(out, f.RuleID+":"+f.Properties["callable"]+":"+f.Properties["interpretation"])
	}, nil)
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return strings.Join(out, " ")
}

func evilTail(p *fixtures.Pickle) { p.Call("os", "system", "id") }

func dumps() map[string][]byte {
	return map[string][]byte{
		"benign":        fixtures.Joblib(4, []fixtures.Array{{Descr: "f8", Shape: []int{3, 5}, Fill: 'c'}, {Descr: "i4", Shape: []int{7}}}, nil),
		"benign p2":     fixtures.Joblib(2, []fixtures.Array{{Descr: "f4", Shape: []int{10}, Fill: 0x94}}, nil),
		"evil after":    fixtures.Joblib(4, []fixtures.Array{{Descr: "f8", Shape: []int{100}}}, evilTail),
		"evil object":   fixtures.Joblib(4, []fixtures.Array{{Descr: "O8", Shape: []int{1}, Object: fixtures.Malicious(5, "subprocess", "Popen", "sh")}}, nil),
		"benign object": fixtures.Joblib(3, []fixtures.Array{{Descr: "O8", Shape: []int{1}, Object: fixtures.Benign(5)}, {Descr: "f8", Shape: []int{2}}}, nil),
	}
}

func TestCompressed(t *testing.T) {
	sc := joblib.New(policy.Default(), 1<<20)
	for _, m := range fixtures.Compressors {
		for name, raw := range dumps() {
			t.Run(m+"/"+name, func(t *testing.T) {
				data := fixtures.Compress(m, raw)
				if !sc.Match(data[:min(len(data), format.HeadSize)], "m.joblib") {
					t.Fatal("Match false")
				}
				got := scanWith(t, sc, data)
				switch {
				case strings.HasPrefix(name, "benign") && got != "":
					t.Fatalf("want nothing, got %s", got)
				case name == "evil after" && !strings.Contains(got, "PICKLE001:os.system:"):
					t.Fatalf("got %q", got)
				case name == "evil object" && !strings.Contains(got, "PICKLE001:subprocess.Popen:"):
					t.Fatalf("got %q", got)
				}
			})
		}
	}
}

func TestPlainJoblibViaPickleScanner(t *testing.T) {
	sc := pickle.NewScanner(policy.Default(), pickle.Options{})
	for name, raw := range dumps() {
		got := scanWith(t, sc, raw)
		if strings.HasPrefix(name, "benign") && got != "" {
			t.Errorf("%s: want nothing, got %s", name, got)
		}
		if strings.HasPrefix(name, "evil") && !strings.Contains(got, "PICKLE001") {
			t.Errorf("%s: got %q", name, got)
		}
	}
	// Evasion: a wrapper claims the payload's bytes as array data, so a
	// joblib-only reading skips them, but pickle.load runs them.
	payload := fixtures.NewPickle(2).Call("os", "system", "id").Raw('0').Bytes()
	p := fixtures.NewPickle(2)
	p.Global("joblib.numpy_pickle", "NumpyArrayWrapper").EmptyTuple().NewObj()
	p.EmptyDict().Mark().Str("shape").Mark().Int(len(payload)).Tuple()
	p.Str("dtype").Global("numpy", "dtype").Mark().Str("u1").Bool(false).Bool(true).Tuple().Reduce()
	p.SetItems().Build().Raw(payload...).Stop()
	got := scanWith(t, sc, p.Bytes())
	if !strings.Contains(got, "PICKLE001:os.system:plain-pickle") {
		t.Fatalf("hidden payload missed: %q", got)
	}
}

func TestBombAndCorrupt(t *testing.T) {
	big := fixtures.Joblib(4, []fixtures.Array{{Descr: "f8", Shape: []int{1 << 18}}}, evilTail) // 2 MiB
	for _, m := range fixtures.Compressors {
		data := fixtures.Compress(m, big)
		got := scanWith(t, joblib.New(policy.Default(), 1<<20), data)
		if !strings.Contains(got, "SCAN003") {
			t.Errorf("%s: want bomb, got %q", m, got)
		}
		cut := data[:len(data)*2/3]
		got = scanWith(t, joblib.New(policy.Default(), 8<<20), cut)
		if !strings.Contains(got, "PICKLE006") {
			t.Errorf("%s truncated: want PICKLE006, got %q", m, got)
		}
	}
}

func TestMatch(t *testing.T) {
	sc := joblib.New(policy.Default(), 0)
	if sc.Match(fixtures.Compress("gzip", []byte("just some text, not a pickle")), "a.gz") {
		t.Error("gzip text matched")
	}
	if sc.Match([]byte("x^ hello"), "notes.txt") {
		t.Error("text starting with x matched")
	}
	if sc.Match(fixtures.Benign(2), "a.pkl") {
		t.Error("plain pickle matched (pickle scanner's job)")
	}
}

func FuzzJoblib(f *testing.F) {
	for _, m := range fixtures.Compressors {
		f.Add(fixtures.Compress(m, dumps()["benign"]))
	}
	f.Add(append([]byte("ZF0x10             "), fixtures.Compress("zlib", fixtures.Benign(2))...))
	sc := joblib.New(policy.Default(), 1<<20)
	f.Fuzz(func(t *testing.T, data []byte) {
		if !sc.Match(data[:min(len(data), format.HeadSize)], "f.joblib") {
			return
		}
		in := format.Input{Loc: finding.Location{File: "f"}, Name: "f", R: bytes.NewReader(data), Size: int64(len(data))}
		_ = sc.Scan(context.Background(), in, func(finding.Finding) {}, nil)
	})
}
