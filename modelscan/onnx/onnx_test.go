package onnx

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/bulwark-ai/bulwark/finding"
	"github.com/bulwark-ai/bulwark/modelscan/format"
)

// Protobuf builders for ONNX fixtures.
func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
func str(num protowire.Number, s string) []byte {
	return protowire.AppendString(protowire.AppendTag(nil, num, protowire.BytesType), s)
}
func sub(num protowire.Number, parts ...[]byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), cat(parts...))
}
func vint(num protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(nil, num, protowire.VarintType), v)
}
func packed(num protowire.Number, vs ...uint64) []byte {
	var b []byte
	for _, v := range vs {
		b = protowire.AppendVarint(b, v)
	}
	return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), b)
}
func floats(num protowire.Number, vs ...float32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), b)
}

func node(name, op, domain string, attrs ...[]byte) []byte {
	b := cat(str(1, "x"), str(2, "y"), str(3, name), str(4, op))
	if domain != "" {
		b = append(b, str(7, domain)...)
	}
	for _, a := range attrs {
		b = append(b, sub(5, a)...)
	}
	return sub(1, b)
}

// f32Tensor is an initializer with dims and raw_data of rawLen bytes.
func f32Tensor(name string, rawLen int, dims ...uint64) []byte {
	return sub(5, packed(1, dims...), vint(2, 1), str(8, name), sub(9, make([]byte, rawLen)))
}

func extTensor(name, location, offset, length string, dims ...uint64) []byte {
	b := cat(packed(1, dims...), vint(2, 1), str(8, name), sub(13, str(1, "location"), str(2, location)))
	if offset != "" {
		b = append(b, sub(13, str(1, "offset"), str(2, offset))...)
	}
	if length != "" {
		b = append(b, sub(13, str(1, "length"), str(2, length))...)
	}
	return sub(5, append(b, vint(14, 1)...))
}

func model(graph ...[]byte) []byte {
	return cat(vint(1, 8), str(2, "pytorch"), str(3, "2.5"), sub(7, append(graph, str(2, "main_graph"))...), sub(8, str(1, ""), vint(2, 17)))
}

func scanData(t testing.TB, file string, data []byte) []finding.Finding {
	var fs []finding.Finding
	in := format.Input{Loc: finding.Location{File: file}, Name: filepath.Base(file), R: bytes.NewReader(data), Size: int64(len(data))}
	if err := New().Scan(context.Background(), in, func(f finding.Finding) { fs = append(fs, f) }, nil); err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return fs
}

func ids(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.RuleID)
	}
	sort.Strings(out)
	return out
}

func TestRules(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "weights.bin"), make([]byte, 64), 0o644)
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret.txt"), make([]byte, 64), 0o644)
	os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(dir, "link.bin"))
	ifNode := func(inner []byte) []byte {
		return node("if0", "If", "", cat(str(1, "then_branch"), vint(20, 5), sub(6, inner)))
	}
	fn := sub(25, str(1, "MyGelu"), str(10, "local.fns"), sub(7, str(4, "Erf")))
	key := strings.Join([]string{"sk-", "proj-", strings.Repeat("Ab3x", 12)}, "")
	tests := []struct {
		name string
		data []byte
		want []string
	}{
		{"benign", model(node("add", "Add", ""), node("mm", "MatMul", "ai.onnx"), node("zm", "ZipMap", "ai.onnx.ml"), node("ms", "FusedGemm", "com.microsoft"), f32Tensor("w", 64, 4, 4)), nil},
		{"benign external", model(extTensor("w", "weights.bin", "0", "64", 4, 4)), nil},
		{"custom domain", model(node("c", "Decrypt", "com.evil.ops"), node("c2", "Decrypt", "com.evil.ops")), []string{RuleCustomDomain}},
		{"custom domain in subgraph", model(ifNode(node("c", "Shell", "org.evil"))), []string{RuleCustomDomain}},
		{"local function domain", cat(model(node("g", "MyGelu", "local.fns")), fn), nil},
		{"python op", model(node("p", "PyOp", "ai.onnx.contrib")), []string{RulePythonOp}},
		{"external absolute", model(extTensor("w", "/etc/passwd", "", "", 4)), []string{RuleExternalPath}},
		{"external dotdot", model(extTensor("w", "../../home/u/.ssh/id_rsa", "", "", 4)), []string{RuleExternalPath}},
		{"external windows", model(extTensor("w", "..\\..\\x", "", "", 4)), []string{RuleExternalPath}},
		{"external symlink escape", model(extTensor("w", "link.bin", "0", "64", 4, 4)), []string{RuleExternalPath}},
		{"external missing", model(extTensor("w", "nothere.bin", "", "", 4)), []string{RuleExternalSize}},
		{"external too short", model(extTensor("w", "weights.bin", "32", "64", 4, 4)), []string{RuleExternalSize}},
		{"external length mismatch", model(extTensor("w", "weights.bin", "0", "32", 4, 4)), []string{RuleExternalSize}},
		{"raw size mismatch", model(f32Tensor("w", 60, 4, 4)), []string{RuleTensorSize}},
		{"float_data count mismatch", model(sub(5, packed(1, 2, 2), vint(2, 1), str(8, "w"), floats(4, 1, 2, 3))), []string{RuleTensorSize}},
		{"float_data count ok", model(sub(5, packed(1, 2, 2), vint(2, 1), str(8, "w"), floats(4, 1, 2, 3, 4))), nil},
		{"dims overflow", model(sub(5, packed(1, 1<<40, 1<<40), vint(2, 1), str(8, "w"), sub(9, make([]byte, 4)))), []string{RuleTensorSize}},
		{"malformed", model(f32Tensor("w", 64, 4, 4))[:40], []string{RuleMalformed}},
		{"secret in metadata", cat(model(node("a", "Add", "")), sub(14, str(1, "api"), str(2, "OPENAI_API_KEY="+key))), []string{"SECRET008"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := scanData(t, filepath.Join(dir, "model.onnx"), tc.data)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if got := ids(fs); !slices.Equal(got, want) {
				for _, f := range fs {
					t.Logf("%s %s: %s", f.RuleID, f.Severity, f.Message)
				}
				t.Fatalf("rules %v, want %v", got, want)
			}
			for _, f := range fs {
				if f.Location.Offset < 0 || f.Location.Offset > int64(len(tc.data)) || f.Title == "" || len(f.Taxonomy.CWE) == 0 {
					t.Errorf("bad finding %+v", f)
				}
			}
		})
	}
}

func TestInsideArchiveSkipsDisk(t *testing.T) {
	data := model(extTensor("w", "weights.bin", "", "", 4))
	in := format.Input{Loc: finding.Location{File: "/nonexistent/a.zip", Member: "m.onnx"}, Name: "m.onnx", R: bytes.NewReader(data), Size: int64(len(data))}
	var fs []finding.Finding
	New().Scan(context.Background(), in, func(f finding.Finding) { fs = append(fs, f) }, nil)
	if len(fs) != 0 {
		t.Fatalf("%v", ids(fs))
	}
}

func TestMatch(t *testing.T) {
	s := New()
	m := model(node("a", "Add", ""))
	if !s.Match(m, "x.bin") || !s.Match(m, "model.onnx") {
		t.Fatal("model not matched")
	}
	if !s.Match(cat(str(2, "exporter"), sub(7, node("a", "Add", ""))), "noversion.onnx") {
		t.Error("name-hinted model without ir_version not matched")
	}
	if s.Match([]byte("# not a model"), "x.onnx") {
		t.Error("text named .onnx matched")
	}
	savedModel := cat(vint(1, 1), sub(2, sub(1, str(1, "serve"))))
	for _, head := range [][]byte{savedModel, []byte("GGUF"), []byte("\x08"), []byte("\x80\x04\x95")} {
		if s.Match(head, "x.pb") {
			t.Errorf("matched %q", head)
		}
	}
}

func FuzzScan(f *testing.F) {
	f.Add(model(node("add", "Add", ""), f32Tensor("w", 64, 4, 4)))
	f.Add(model(extTensor("w", "../x", "1", "2", 4)))
	f.Add(model(node("if0", "If", "", cat(str(1, "b"), sub(6, node("c", "X", "evil"))))))
	f.Fuzz(func(t *testing.T, data []byte) {
		in := format.Input{Loc: finding.Location{File: "a.zip", Member: "m.onnx"}, Name: "m.onnx", R: bytes.NewReader(data), Size: int64(len(data))}
		New().Scan(context.Background(), in, func(x finding.Finding) {
			if x.Location.Offset < 0 || x.Location.Offset > int64(len(data)) {
				t.Fatalf("offset %d", x.Location.Offset)
			}
		}, nil)
	})
}
