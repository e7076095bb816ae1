package safetensors

import (
	"encoding/binary"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func fake(parts ...string) string { return strings.Join(parts, "") }

func TestScanRules(t *testing.T) {
	f32 := func(name string, b, e uint64, shape ...uint64) tensorSpec {
		return tensorSpec{name, "F32", shape, b, e}
	}
	hugeLen := make([]byte, 16)
	binary.LittleEndian.PutUint64(hugeLen, 1<<62)
	copy(hugeLen[8:], `{"a":1}`)
	tests := []struct {
		name string
		data []byte
		want []string
	}{
		{"benign", benign(3), nil},
		{"benign empty tensor", buildRaw(header(nil, f32("a", 0, 64, 4, 4), f32("empty", 64, 64, 0, 4)), make([]byte, 64)), nil},
		{"benign F4 packed", buildRaw(header(nil, tensorSpec{"q", "F4", []uint64{4, 4}, 0, 8}), make([]byte, 8)), nil},
		{"benign padded header", buildRaw(header(nil, f32("a", 0, 16, 4))+"        ", make([]byte, 16)), nil},
		{"header length huge", hugeLen, []string{RuleHeaderLength}},
		{"header length past file", buildRaw(`{"a":{}}`, nil)[:12], []string{RuleHeaderLength}},
		{"too short", []byte{1, 2, 3}, []string{RuleHeaderLength}},
		{"invalid json", buildRaw(`{"a": {"dtype": "F32",}`, nil), []string{RuleHeaderJSON}},
		{"duplicate key", buildRaw(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)),
			[]string{RuleHeaderJSON, RuleOverlap}},
		{"trailing json", buildRaw(header(nil, f32("a", 0, 16, 4))+`{"b":1}`, make([]byte, 16)), []string{RuleHeaderJSON}},
		{"not utf8", buildRaw("{\"a\xff\":1}", nil), []string{RuleHeaderJSON}},
		{"unknown dtype", buildRaw(header(nil, tensorSpec{"a", "F128", []uint64{1}, 0, 16}), make([]byte, 16)), []string{RuleTensorEntry, RuleTrailing}},
		{"negative dim", buildRaw(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, make([]byte, 4)), []string{RuleTensorEntry, RuleTrailing}},
		{"wrong entry type", buildRaw(`{"a":{"dtype":"F32","shape":"big","data_offsets":[0,4]}}`, make([]byte, 4)), []string{RuleTensorEntry, RuleTrailing}},
		{"reversed offsets", buildRaw(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}`, make([]byte, 8)), []string{RuleTensorEntry, RuleTrailing}},
		{"size mismatch", buildRaw(header(nil, f32("a", 0, 60, 4, 4)), make([]byte, 60)), []string{RuleSizeMismatch}},
		{"shape overflow", buildRaw(header(nil, f32("a", 0, 4, 1<<40, 1<<40)), make([]byte, 4)), []string{RuleSizeMismatch}},
		{"overlap", buildRaw(header(nil, f32("a", 0, 64, 4, 4), f32("b", 32, 96, 4, 4)), make([]byte, 96)), []string{RuleOverlap}},
		{"gap", buildRaw(header(nil, f32("a", 0, 64, 4, 4), f32("b", 80, 144, 4, 4)), make([]byte, 144)), []string{RuleGap}},
		{"gap at start", buildRaw(header(nil, f32("a", 16, 80, 4, 4)), make([]byte, 80)), []string{RuleGap}},
		{"trailing pickle", buildRaw(header(nil, f32("a", 0, 16, 4)), append(make([]byte, 16), 0x80, 0x04, 'K', 1, '.')), []string{RuleTrailing}},
		{"truncated", buildRaw(header(nil, f32("a", 0, 64, 4, 4)), make([]byte, 40)), []string{RuleTruncated}},
		{"metadata number", buildRaw(header(map[string]any{"epoch": 3}, f32("a", 0, 16, 4)), make([]byte, 16)), []string{RuleMetadata}},
		{"metadata array", buildRaw(`{"__metadata__":[1,2],"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}`, make([]byte, 16)), []string{RuleMetadata}},
		{"metadata secret", buildRaw(header(map[string]any{"hf_token": fake("hf", "_", "Qx", strings.Repeat("aB3", 10), "zZ")}, f32("a", 0, 16, 4)), make([]byte, 16)),
			[]string{"SECRET010"}},
		{"metadata url credentials", buildRaw(header(map[string]any{"source": "s3://trainer:" + "Zq81xLmP02vB" + "@bucket.internal/run"}, f32("a", 0, 16, 4)), make([]byte, 16)),
			[]string{"SECRET023"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs, _, err := scan(tc.data)
			if err != nil {
				t.Fatalf("Scan: %v", err)
			}
			got := rules(fs)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				for _, f := range fs {
					t.Logf("%s %s: %s", f.RuleID, f.Severity, f.Message)
				}
				t.Fatalf("rules %v, want %v", got, want)
			}
			for _, f := range fs {
				if f.Location.File != "model.safetensors" || f.Message == "" || f.Title == "" || len(f.Taxonomy.CWE) == 0 {
					t.Errorf("incomplete finding %+v", f)
				}
				if f.Location.Offset < 0 || f.Location.Offset > int64(len(tc.data)) {
					t.Errorf("offset %d outside the file", f.Location.Offset)
				}
			}
		})
	}
}

func TestTrailingBytesHandedToDispatcher(t *testing.T) {
	payload := []byte{0x80, 0x04, 'c', 'o', 's', '\n'}
	data := buildRaw(header(nil, tensorSpec{"a", "F32", []uint64{4}, 0, 16}), append(make([]byte, 16), payload...))
	fs, nested, err := scan(data)
	if err != nil || len(fs) != 1 || len(nested) != 1 {
		t.Fatalf("findings %v nested %d err %v", rules(fs), len(nested), err)
	}
	if !strings.Contains(fs[0].Message, "pickle") {
		t.Errorf("message does not name the pickle: %s", fs[0].Message)
	}
	m := nested[0]
	got, _ := io.ReadAll(io.NewSectionReader(m.R, 0, m.Size))
	if string(got) != string(payload) || m.Depth != 1 || m.Loc.Member == "" {
		t.Errorf("nested input %+v holds %q", m, got)
	}
}

func TestMatch(t *testing.T) {
	s := New()
	if !s.Match(benign(1), "x.bin") {
		t.Error("benign file not matched")
	}
	for _, head := range [][]byte{nil, []byte("PK\x03\x04"), []byte("\x80\x04\x95"), []byte("GGUF\x03\x00\x00\x00"), make([]byte, 64)} {
		if s.Match(head, "model.safetensors") {
			t.Errorf("matched %q", head)
		}
	}
}

func TestByteSize(t *testing.T) {
	for _, tc := range []struct {
		shape []uint64
		bits  uint64
		want  uint64
		ok    bool
	}{
		{nil, 32, 4, true},
		{[]uint64{3, 5}, 16, 30, true},
		{[]uint64{3}, 4, 0, false}, // 12 bits: not whole bytes
		{[]uint64{1 << 32, 1 << 32}, 8, 0, false},
		{[]uint64{1 << 61}, 64, 0, false},
		{[]uint64{0, 1 << 63}, 64, 0, true},
	} {
		got, ok := byteSize(tc.shape, tc.bits)
		if got != tc.want || ok != tc.ok {
			t.Errorf("byteSize(%v, %d) = %d, %v; want %d, %v", tc.shape, tc.bits, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzScan(f *testing.F) {
	f.Add(benign(2))
	f.Add(buildRaw(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{}}`, make([]byte, 4)))
	f.Add(buildRaw(header(map[string]any{"k": []int{1}}, tensorSpec{"a", "BF16", []uint64{2}, 0, 4}), make([]byte, 9)))
	f.Add(buildRaw(header(nil, tensorSpec{"a", "F32", []uint64{1 << 40, 1 << 40}, 0, 4}), nil))
	f.Add([]byte("\x08\x00\x00\x00\x00\x00\x00\x00{\"a\":[]}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fs, nested, _ := scan(data)
		for _, x := range fs {
			if x.RuleID == "" || x.Location.Offset < 0 {
				t.Fatalf("bad finding %+v", x)
			}
		}
		for _, m := range nested {
			if m.Size < 0 || m.Size > int64(len(data)) {
				t.Fatalf("nested size %d", m.Size)
			}
		}
	})
}

func BenchmarkParseHeader(b *testing.B) {
	data := benign(2000)
	n := binary.LittleEndian.Uint64(data)
	raw := data[8 : 8+n]
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if h, probs := ParseHeader(raw); h == nil || len(probs) != 0 {
			b.Fatal(probs)
		}
	}
}

// FuzzFastParse checks that the fast header path accepts only headers the
// full path parses without any problem, with the same result.
func FuzzFastParse(f *testing.F) {
	for _, d := range [][]byte{benign(3), buildRaw(header(map[string]any{"k": "v"}, tensorSpec{"a", "BF16", []uint64{2, 3}, 0, 12}), nil)} {
		n := binary.LittleEndian.Uint64(d)
		f.Add(d[8 : 8+n])
	}
	f.Add([]byte(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`))
	f.Add([]byte(`{"__metadata__":{"x":"y"},"w":{"shape":[],"dtype":"U8","data_offsets":[3,4]}}  `))
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !utf8.Valid(raw) {
			return
		}
		fast, ok := fastParse(raw)
		if !ok {
			return
		}
		full, probs := parseHeaderFull(raw)
		if full == nil || len(probs) != 0 {
			t.Fatalf("fast path accepted a header the full path rejects: %v", probs)
		}
		if !reflect.DeepEqual(fast.Tensors, full.Tensors) || !reflect.DeepEqual(fast.Metadata, full.Metadata) || fast.Len != full.Len {
			t.Fatalf("paths disagree:\nfast %+v\nfull %+v", fast, full)
		}
	})
}

func BenchmarkParseHeaderFull(b *testing.B) {
	data := benign(2000)
	n := binary.LittleEndian.Uint64(data)
	raw := data[8 : 8+n]
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if h, probs := parseHeaderFull(raw); h == nil || len(probs) != 0 {
			b.Fatal(probs)
		}
	}
}
