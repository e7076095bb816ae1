package numpy_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/bulwark-ai/bulwark/finding"
	"github.com/bulwark-ai/bulwark/modelscan/format"
	"github.com/bulwark-ai/bulwark/modelscan/internal/fixtures"
	"github.com/bulwark-ai/bulwark/modelscan/numpy"
	"github.com/bulwark-ai/bulwark/modelscan/policy"
)

func scan(t testing.TB, data []byte) (string, error) {
	t.Helper()
	s := numpy.New(policy.Default(), 1<<20)
	var out []string
	report := func(f finding.Finding) {
		out = append(out, f.RuleID+"@"+f.Location.Member+":"+f.Properties["callable"]+":"+f.Severity.String())
	}
	var nested format.Nested
	nested = func(ctx context.Context, m format.Input) error {
		h := make([]byte, min(m.Size, format.HeadSize))
		m.R.ReadAt(h, 0)
		if s.Match(h, m.Name) {
			return s.Scan(ctx, m, report, nested)
		}
		out = append(out, "nested:"+m.Loc.Member)
		return nil
	}
	in := format.Input{Loc: finding.Location{File: "a.npy"}, Name: "a.npy", R: bytes.NewReader(data), Size: int64(len(data))}
	if !s.Match(data[:min(len(data), format.HeadSize)], "a.npy") {
		t.Fatal("Match false")
	}
	err := s.Scan(context.Background(), in, report, nested)
	return strings.Join(out, " "), err
}

func TestNumPy(t *testing.T) {
	f32 := make([]byte, 3*4*4)
	evil := fixtures.Malicious(3, "os", "system", "id")
	tests := []struct {
		name string
		data []byte
		want []string
		none bool
	}{
		{"float32 exact", fixtures.NPY("'<f4'", "(3, 4)", f32), nil, true},
		{"scalar", fixtures.NPY("'<f8'", "()", make([]byte, 8)), nil, true},
		{"unicode", fixtures.NPY("'<U3'", "(2,)", make([]byte, 24)), nil, true},
		{"structured", fixtures.NPY("[('a', '<i4'), ('b', '<f8', (2,))]", "(2,)", make([]byte, 40)), nil, true},
		{"object array with payload", fixtures.NPYObject(evil), []string{"NUMPY001@::medium", "PICKLE001@:os.system:critical"}, false},
		{"object array benign pickle", fixtures.NPYObject(fixtures.Benign(3)), []string{"NUMPY001@::medium"}, false},
		{"structured with object field", fixtures.NPY("[('a', '<i4'), ('b', '|O')]", "(1,)", evil), []string{"NUMPY001", "PICKLE001@:os.system"}, false},
		{"extra bytes after data", fixtures.NPY("'<f4'", "(3, 4)", append(f32, evil...)), []string{"NUMPY002@::medium"}, false},
		{"truncated data", fixtures.NPY("'<f4'", "(3, 4)", f32[:10]), []string{"NUMPY002@::low"}, false},
		{"bad header", fixtures.NPYHeader("{'descr': <f4}", nil), []string{"NUMPY003"}, false},
		{"no shape", fixtures.NPYHeader("{'descr': '<f4'}", nil), []string{"NUMPY003"}, false},
		{"huge header length", []byte("\x93NUMPY\x02\x00\xff\xff\xff\x7f{"), []string{"NUMPY003"}, false},
		{"shape overflow", fixtures.NPY("'<f8'", "(4611686018427387904, 4611686018427387904)", nil), []string{"NUMPY002"}, false},
		{"npz benign", fixtures.Zip(fixtures.Member{Name: "a.npy", Data: fixtures.NPY("'<f4'", "(3, 4)", f32)}, fixtures.Member{Name: "b.npy", Data: fixtures.NPY("'<f4'", "(3, 4)", f32), Deflate: true}), nil, true},
		{"npz object member deflated", fixtures.Zip(fixtures.Member{Name: "a.npy", Data: fixtures.NPY("'<f4'", "(3, 4)", f32)}, fixtures.Member{Name: "obj.npy", Data: fixtures.NPYObject(evil), Deflate: true}), []string{"PICKLE001@obj.npy:os.system"}, false},
		{"npz other member nested", fixtures.Zip(fixtures.Member{Name: "a.npy", Data: fixtures.NPY("'<f4'", "(3, 4)", f32)}, fixtures.Member{Name: "x.pkl", Data: evil}), []string{"nested:x.pkl"}, false},
		{"npz zip slip member", fixtures.Zip(fixtures.Member{Name: "a.npy", Data: fixtures.NPY("'<f4'", "(3, 4)", f32)}, fixtures.Member{Name: "/etc/cron.d/x.npy", Data: fixtures.NPY("'<f4'", "(3, 4)", f32)}), []string{"ARCHIVE001@/etc/cron.d/x.npy"}, false},
		{"npz bomb", fixtures.Zip(fixtures.Member{Name: "a.npy", Data: fixtures.NPY("'<f4'", "(3, 4)", f32)}, fixtures.Member{Name: "big.npy", Data: make([]byte, 3<<20), Deflate: true}), []string{"SCAN003@big.npy"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scan(t, tt.data)
			if err != nil {
				t.Fatal(err)
			}
			if tt.none && got != "" {
				t.Fatalf("want nothing, got %s", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q lacks %q", got, w)
				}
			}
		})
	}
}

func TestParseHeader(t *testing.T) {
	data := fixtures.NPY("'>i8'", "(2, 3)", make([]byte, 48))
	h, err := numpy.ParseHeader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if h.Descr != ">i8" || h.ItemSize != 8 || len(h.Shape) != 2 || h.Shape[1] != 3 || h.DataOffset%64 != 0 || h.Object {
		t.Fatalf("header %+v", h)
	}
}

func FuzzNPY(f *testing.F) {
	f.Add(fixtures.NPY("'<f4'", "(3, 4)", make([]byte, 48)))
	f.Add(fixtures.NPYObject(fixtures.Malicious(3, "os", "system", "id")))
	f.Add(fixtures.NPY("[('a', '<i4'), ('b', '<f8', (2,))]", "(2,)", make([]byte, 40)))
	f.Add(fixtures.Zip(fixtures.Member{Name: "a.npy", Data: fixtures.NPY("'<f4'", "(1,)", make([]byte, 4))}))
	s := numpy.New(policy.Default(), 1<<20)
	f.Fuzz(func(t *testing.T, data []byte) {
		in := format.Input{Loc: finding.Location{File: "f"}, Name: "f.npy", R: bytes.NewReader(data), Size: int64(len(data))}
		_ = s.Match(data[:min(len(data), format.HeadSize)], "f.npy")
		_ = s.Scan(context.Background(), in, func(finding.Finding) {}, func(context.Context, format.Input) error { return nil })
	})
}
