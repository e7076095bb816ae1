package safetensors

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/bulwark-ai/bulwark/finding"
	"github.com/bulwark-ai/bulwark/modelscan/format"
)

// tensorSpec describes one tensor for build.
type tensorSpec struct {
	name  string
	dtype string
	shape []uint64
	begin uint64
	end   uint64
}

// build writes a safetensors file from a raw header object (written
// verbatim, padded with spaces to 8 bytes) and data.
func buildRaw(header string, data []byte) []byte {
	for (len(header))%8 != 0 {
		header += " "
	}
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

// header renders tensors and metadata as a header object, in order.
func header(meta map[string]any, ts ...tensorSpec) string {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	if meta != nil {
		m, _ := json.Marshal(meta)
		fmt.Fprintf(&b, `"__metadata__":%s`, m)
		first = false
	}
	for _, t := range ts {
		if !first {
			b.WriteByte(',')
		}
		first = false
		shape, _ := json.Marshal(t.shape)
		if t.shape == nil {
			shape = []byte("[]")
		}
		fmt.Fprintf(&b, `%q:{"dtype":%q,"shape":%s,"data_offsets":[%d,%d]}`, t.name, t.dtype, shape, t.begin, t.end)
	}
	b.WriteByte('}')
	return b.String()
}

// benign returns a well-formed file with n F32 tensors of 4x4.
func benign(n int) []byte {
	var ts []tensorSpec
	off := uint64(0)
	for i := 0; i < n; i++ {
		ts = append(ts, tensorSpec{fmt.Sprintf("layer.%d.weight", i), "F32", []uint64{4, 4}, off, off + 64})
		off += 64
	}
	return buildRaw(header(map[string]any{"format": "pt"}, ts...), make([]byte, off))
}

// scan runs the scanner over data and returns its findings and nested inputs.
func scan(data []byte) ([]finding.Finding, []format.Input, error) {
	var fs []finding.Finding
	var nested []format.Input
	in := format.Input{Loc: finding.Location{File: "model.safetensors"}, Name: "model.safetensors", R: bytes.NewReader(data), Size: int64(len(data))}
	err := New().Scan(context.Background(), in, func(f finding.Finding) { fs = append(fs, f) },
		func(_ context.Context, m format.Input) error { nested = append(nested, m); return nil })
	return fs, nested, err
}

func rules(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.RuleID)
	}
	sort.Strings(out)
	return out
}
