package keras

import (
	"bytes"
	"context"
	"io"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/bulwark-ai/bulwark/finding"
	"github.com/bulwark-ai/bulwark/modelscan/archive"
	"github.com/bulwark-ai/bulwark/modelscan/format"
)

const benignConfig = `{"module": "keras", "class_name": "Sequential", "config": {"name": "seq", "layers": [{"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 4], "name": "in"}, "registered_name": null}, {"module": "keras.layers", "class_name": "Dense", "config": {"name": "d", "units": 4, "activation": "relu", "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null}}, "registered_name": null}]}, "registered_name": null}`

func layer(l string) string {
	return `{"class_name": "Sequential", "config": {"name": "seq", "layers": [` + l + `]}}`
}

func TestAnalyze(t *testing.T) {
	tests := []struct {
		name   string
		config string
		want   []string
		worst  finding.Severity
	}{
		{"benign", benignConfig, nil, 0},
		{"lambda keras3 bytecode", layer(`{"module": "keras.layers", "class_name": "Lambda", "config": {"name": "lam", "function": {"class_name": "__lambda__", "config": {"code": "` + bytecode() + `", "defaults": null, "closure": null}}}}`), []string{RuleLambda}, finding.Critical},
		{"lambda keras2 bytecode", layer(`{"class_name": "Lambda", "config": {"name": "l", "function": ["` + bytecode() + `", null, null], "function_type": "lambda"}}`), []string{RuleLambda}, finding.Critical},
		{"lambda named function", layer(`{"class_name": "Lambda", "config": {"name": "l", "function": {"module": "mypkg.funcs", "class_name": "function", "config": "scale", "registered_name": "function"}}}`), []string{RuleLambda, RuleForeignCode}, finding.High},
		{"tfoplambda", layer(`{"class_name": "TFOpLambda", "config": {"name": "tf.math.add", "function": "math.add"}}`), []string{RuleTFOpLambda}, finding.Medium},
		{"tfoplambda numpy_function", layer(`{"class_name": "TFOpLambda", "config": {"name": "x", "function": "numpy_function"}}`), []string{RuleTFOpLambda}, finding.High},
		{"builtins exec activation", layer(`{"module": "keras.layers", "class_name": "Dense", "config": {"name": "d", "activation": {"module": "builtins", "class_name": "function", "config": "exec", "registered_name": "function"}}}`), []string{RuleForeignCode}, finding.Critical},
		{"custom object", layer(`{"module": "mylib.layers", "class_name": "MyLayer", "config": {"name": "m"}, "registered_name": "Custom>MyLayer"}`), []string{RuleForeignCode, RuleCustomObject}, finding.High},
		{"registered keras object", layer(`{"module": "keras.layers", "class_name": "Dense", "config": {"name": "d"}, "registered_name": "keras>Dense"}`), nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			is, err := Analyze([]byte(tc.config))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			worst := finding.Info
			for _, i := range is {
				got = append(got, i.Rule)
				worst = max(worst, i.Severity)
			}
			sort.Strings(got)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) || (len(is) > 0 && worst != tc.worst) {
				t.Fatalf("issues %+v, want %v at %v", is, tc.want, tc.worst)
			}
		})
	}
	if _, err := Analyze([]byte("{not json")); err == nil {
		t.Fatal("bad JSON accepted")
	}
}

func scanH5(t *testing.T, data []byte) []finding.Finding {
	t.Helper()
	s := NewH5()
	if !s.Match(data[:min(len(data), format.HeadSize)], "model.h5") {
		t.Fatal("not matched")
	}
	var fs []finding.Finding
	in := format.Input{Loc: finding.Location{File: "model.h5"}, Name: "model.h5", R: bytes.NewReader(data), Size: int64(len(data))}
	if err := s.Scan(context.Background(), in, func(f finding.Finding) { fs = append(fs, f) }, nil); err != nil {
		t.Fatal(err)
	}
	return fs
}

var lambdaConfig = layer(`{"class_name": "Lambda", "config": {"name": "l", "function": ["` + bytecode() + `", null, null], "function_type": "lambda"}}`)

func TestH5Reader(t *testing.T) {
	cfg := lambdaConfig
	tests := map[string][]byte{
		"v0 fixed string": h5v0([][]byte{
			attrV1("backend", fixedStringType(10), []byte("tensorflow")),
			attrV1("model_config", fixedStringType(len(cfg)), []byte(cfg)),
		}, nil),
		"v0 vlen string":  h5v0([][]byte{attrV1("keras_version", fixedStringType(5), []byte("2.2.4")), nil}, nil),
		"v2 fixed string": h5v2([][]byte{attrV3("model_config", fixedStringType(len(cfg)), []byte(cfg))}),
	}
	// The vlen file needs the heap address, known once the header is laid out.
	probe := h5v0([][]byte{attrV1("keras_version", fixedStringType(5), []byte("2.2.4")), attrV1("model_config", vlenStringType(), vlenData(len(cfg), 0))}, nil)
	heapAt := len(probe)
	tests["v0 vlen string"] = h5v0([][]byte{attrV1("keras_version", fixedStringType(5), []byte("2.2.4")), attrV1("model_config", vlenStringType(), vlenData(len(cfg), heapAt))},
		func(int) []byte { return globalHeap([]byte(cfg)) })
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := modelConfig(bytes.NewReader(data), int64(len(data)))
			if err != nil || got != cfg {
				t.Fatalf("modelConfig = %q, %v", finding.Truncate(got, 80), err)
			}
			fs := scanH5(t, data)
			if len(fs) != 1 || fs[0].RuleID != RuleLambda || fs[0].Severity != finding.Critical || fs[0].Properties["source"] != "model_config attribute" {
				t.Fatalf("%+v", fs)
			}
		})
	}
}

func TestH5Fallback(t *testing.T) {
	// A layout the reader does not follow (attribute missing from the
	// header) but the JSON is in the file: found by the byte scan.
	data := append(h5v0(nil, nil), []byte("junk"+lambdaConfig+"junk")...)
	fs := scanH5(t, data)
	if len(fs) != 1 || fs[0].Properties["source"] != "byte-scan" || fs[0].Location.Offset != int64(len(data)-len(lambdaConfig)-4) {
		t.Fatalf("%+v", fs)
	}
}

func TestH5FallbackOlderKeyOrder(t *testing.T) {
	// Keras 2.0-era configs start with "config" rather than "class_name".
	old := `{"config": {"name": "seq", "layers": [{"config": {"name": "l", "function": ["` + bytecode() + `", null, null], "function_type": "lambda"}, "class_name": "Lambda"}]}, "class_name": "Sequential"}`
	data := append(h5v0(nil, nil), []byte("pad"+old)...)
	fs := scanH5(t, data)
	if len(fs) != 1 || fs[0].RuleID != RuleLambda || fs[0].Properties["source"] != "byte-scan" {
		t.Fatalf("%+v", fs)
	}
}

func TestH5Benign(t *testing.T) {
	if fs := scanH5(t, h5v0([][]byte{attrV1("model_config", fixedStringType(len(benignConfig)), []byte(benignConfig))}, nil)); len(fs) != 0 {
		t.Fatalf("%+v", fs)
	}
	if fs := scanH5(t, h5v0(nil, nil)); len(fs) != 0 {
		t.Fatalf("weights-only: %+v", fs)
	}
}

func TestH5Hostile(t *testing.T) {
	good := h5v0([][]byte{attrV1("model_config", vlenStringType(), vlenData(1<<30, 1<<40))}, nil)
	if _, err := modelConfig(bytes.NewReader(good), int64(len(good))); err == nil {
		t.Fatal("heap address outside the file accepted")
	}
	hdr := h5v0(nil, nil)
	copy(hdr[96+8:], u32(1<<30)) // object header size beyond the file
	if _, err := modelConfig(bytes.NewReader(hdr), int64(len(hdr))); err == nil {
		t.Fatal("oversized header accepted")
	}
}

func TestKerasZip(t *testing.T) {
	s := NewZip(archive.Options{})
	for _, tc := range []struct {
		name   string
		data   []byte
		want   []string
		member string
	}{
		{"benign", kerasZip(benignConfig), nil, ""},
		{"lambda", kerasZip(layer(`{"module": "keras.layers", "class_name": "Lambda", "config": {"name": "lam", "function": {"class_name": "__lambda__", "config": {"code": "` + bytecode() + `"}}}}`)), []string{RuleLambda}, "config.json"},
		{"not json", kerasZip("{oops"), []string{RuleMalformed}, "config.json"},
		{"zip slip inside", kerasZip(benignConfig, [2]string{"../evil.py", "x"}), []string{archive.RuleTraversal}, "../evil.py"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !s.Match(tc.data[:min(len(tc.data), format.HeadSize)], "model.keras") || !s.Match(tc.data[:min(len(tc.data), format.HeadSize)], "x.zip") {
				t.Fatal("not matched")
			}
			var fs []finding.Finding
			members := map[string]bool{}
			in := format.Input{Loc: finding.Location{File: "m.keras"}, Name: "m.keras", R: bytes.NewReader(tc.data), Size: int64(len(tc.data))}
			err := s.Scan(context.Background(), in, func(f finding.Finding) { fs = append(fs, f) }, func(_ context.Context, m format.Input) error {
				io.Copy(io.Discard, io.NewSectionReader(m.R, 0, m.Size))
				members[m.Loc.Member] = true
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range fs {
				got = append(got, f.RuleID)
				if tc.member != "" && f.Location.Member != tc.member {
					t.Errorf("member %q", f.Location.Member)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("rules %v, want %v", got, tc.want)
			}
			if !members["model.weights.h5"] || !members["config.json"] {
				t.Errorf("members handed on: %v", members)
			}
		})
	}
	if s.Match([]byte("PK\x03\x04"+strings.Repeat("\x00", 40)), "plain.zip") {
		t.Error("plain zip matched")
	}
}

func FuzzH5(f *testing.F) {
	cfg := lambdaConfig
	f.Add(h5v0([][]byte{attrV1("model_config", fixedStringType(len(cfg)), []byte(cfg))}, nil))
	f.Add(h5v2([][]byte{attrV3("model_config", fixedStringType(len(cfg)), []byte(cfg))}))
	f.Fuzz(func(t *testing.T, data []byte) {
		modelConfig(bytes.NewReader(data), int64(len(data)))
		in := format.Input{Loc: finding.Location{File: "m.h5"}, Name: "m.h5", R: bytes.NewReader(data), Size: int64(len(data))}
		NewH5().Scan(context.Background(), in, func(finding.Finding) {}, nil)
	})
}

func FuzzAnalyze(f *testing.F) {
	f.Add(benignConfig)
	f.Add(lambdaConfig)
	f.Fuzz(func(t *testing.T, cfg string) { Analyze([]byte(cfg)) })
}
