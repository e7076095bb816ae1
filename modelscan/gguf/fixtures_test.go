package gguf

import (
	"bytes"
	"context"
	"encoding/binary"
	"sort"

	"github.com/bulwark-ai/bulwark/finding"
	"github.com/bulwark-ai/bulwark/modelscan/format"
)

// builder writes GGUF files for tests.
type builder struct {
	version uint32
	bo      binary.ByteOrder
	kvs     []func(b *bytes.Buffer)
	nkv     int
	tensors []tensorDef
	// overrides for hostile headers
	kvCount, tensorCount *uint64
	align                uint64
	trailing             []byte
	dataPad              int // extra data bytes beyond the tensors
}

type tensorDef struct {
	name   string
	dims   []uint64
	typ    uint32
	offset uint64
}

func newBuilder(version uint32) *builder {
	return &builder{version: version, bo: binary.LittleEndian, align: 32}
}

func (g *builder) n(b *bytes.Buffer, v uint64) {
	if g.version == 1 {
		binary.Write(b, g.bo, uint32(v))
	} else {
		binary.Write(b, g.bo, v)
	}
}

func (g *builder) s(b *bytes.Buffer, s string) { g.n(b, uint64(len(s))); b.WriteString(s) }

func (g *builder) str(key, val string) *builder {
	g.nkv++
	g.kvs = append(g.kvs, func(b *bytes.Buffer) { g.s(b, key); binary.Write(b, g.bo, TypeString); g.s(b, val) })
	return g
}

func (g *builder) u32(key string, v uint32) *builder {
	g.nkv++
	g.kvs = append(g.kvs, func(b *bytes.Buffer) { g.s(b, key); binary.Write(b, g.bo, TypeUint32); binary.Write(b, g.bo, v) })
	return g
}

func (g *builder) strArray(key string, vals ...string) *builder {
	g.nkv++
	g.kvs = append(g.kvs, func(b *bytes.Buffer) {
		g.s(b, key)
		binary.Write(b, g.bo, TypeArray)
		binary.Write(b, g.bo, TypeString)
		g.n(b, uint64(len(vals)))
		for _, v := range vals {
			g.s(b, v)
		}
	})
	return g
}

func (g *builder) f32Array(key string, n int) *builder {
	g.nkv++
	g.kvs = append(g.kvs, func(b *bytes.Buffer) {
		g.s(b, key)
		binary.Write(b, g.bo, TypeArray)
		binary.Write(b, g.bo, TypeFloat32)
		g.n(b, uint64(n))
		b.Write(make([]byte, 4*n))
	})
	return g
}

func (g *builder) raw(f func(b *bytes.Buffer)) *builder {
	g.nkv++
	g.kvs = append(g.kvs, f)
	return g
}

// tensor adds an F32 tensor placed after the previous ones (aligned).
func (g *builder) tensor(name string, dims ...uint64) *builder {
	off := uint64(0)
	if len(g.tensors) > 0 {
		last := g.tensors[len(g.tensors)-1]
		off = last.offset + tensorBytes(last)
		off = (off + g.align - 1) / g.align * g.align
	}
	g.tensors = append(g.tensors, tensorDef{name, dims, 0, off})
	return g
}

func tensorBytes(t tensorDef) uint64 {
	tr, ok := typeTraits[t.typ]
	if !ok {
		return 0
	}
	n := uint64(1)
	for _, d := range t.dims {
		n *= d
	}
	return n / tr[0] * tr[1]
}

func (g *builder) bytes() []byte {
	var b bytes.Buffer
	b.WriteString("GGUF")
	binary.Write(&b, g.bo, g.version)
	tc, kc := uint64(len(g.tensors)), uint64(g.nkv)
	if g.tensorCount != nil {
		tc = *g.tensorCount
	}
	if g.kvCount != nil {
		kc = *g.kvCount
	}
	g.n(&b, tc)
	g.n(&b, kc)
	for _, kv := range g.kvs {
		kv(&b)
	}
	var end uint64
	for _, t := range g.tensors {
		g.s(&b, t.name)
		binary.Write(&b, g.bo, uint32(len(t.dims)))
		for _, d := range t.dims {
			g.n(&b, d)
		}
		binary.Write(&b, g.bo, t.typ)
		binary.Write(&b, g.bo, t.offset)
		if e := t.offset + tensorBytes(t); e < 1<<24 { // hostile offsets get no data
			end = max(end, e)
		}
	}
	for uint64(b.Len())%g.align != 0 {
		b.WriteByte(0)
	}
	if len(g.tensors) > 0 {
		b.Write(make([]byte, end))
		for uint64(b.Len())%g.align != 0 {
			b.WriteByte(0)
		}
	}
	b.Write(make([]byte, g.dataPad))
	b.Write(g.trailing)
	return b.Bytes()
}

func benignModel(version uint32) *builder {
	return newBuilder(version).
		str("general.architecture", "llama").
		str("general.name", "tiny").
		u32("llama.context_length", 2048).
		strArray("tokenizer.ggml.tokens", "<s>", "</s>", "hello", "world").
		f32Array("tokenizer.ggml.scores", 4).
		str("tokenizer.chat_template", "{% for m in messages %}{{ '<|'+m['role']+'|>' + m['content'] }}{% endfor %}").
		tensor("token_embd.weight", 8, 4).
		tensor("output.weight", 8, 3)
}

func scan(data []byte) ([]finding.Finding, []format.Input, error) {
	var fs []finding.Finding
	var nested []format.Input
	in := format.Input{Loc: finding.Location{File: "m.gguf"}, Name: "m.gguf", R: bytes.NewReader(data), Size: int64(len(data))}
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

func u64p(v uint64) *uint64 { return &v }
