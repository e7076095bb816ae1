package pbwalk

import (
	"bytes"
	"errors"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

func TestWalk(t *testing.T) {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, 300)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendString(b, "hello")
	b = protowire.AppendTag(b, 3, protowire.Fixed32Type)
	b = protowire.AppendFixed32(b, 7)
	b = protowire.AppendTag(b, 4, protowire.BytesType)
	b = protowire.AppendBytes(b, protowire.AppendVarint(protowire.AppendVarint(nil, 1), 200))
	r := New(bytes.NewReader(b), int64(len(b)))
	var got []Field
	if err := r.Walk(0, int64(len(b)), func(f Field) error { got = append(got, f); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || got[0].Varint != 300 || got[2].Varint != 7 {
		t.Fatalf("%+v", got)
	}
	if s, ok, _ := r.String(got[1], 100); s != "hello" || !ok {
		t.Fatalf("%q %v", s, ok)
	}
	if s, ok, _ := r.String(got[1], 2); s != "he" || ok {
		t.Fatalf("bounded read %q %v", s, ok)
	}
	if vs, _ := r.Varints(got[3], nil, 10); len(vs) != 2 || vs[1] != 200 {
		t.Fatalf("%v", vs)
	}
	if n, _ := r.CountPacked(got[3], 0); n != 2 {
		t.Fatalf("count %d", n)
	}
	// A length running past the message is malformed, not a panic or a huge read.
	bad := append(protowire.AppendTag(nil, 2, protowire.BytesType), protowire.AppendVarint(nil, 1<<40)...)
	err := New(bytes.NewReader(bad), int64(len(bad))).Walk(0, int64(len(bad)), func(Field) error { return nil })
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("err %v", err)
	}
}

func TestWindowAcrossLargeInput(t *testing.T) {
	var b []byte
	for i := 0; i < 20000; i++ {
		b = protowire.AppendTag(b, 5, protowire.BytesType)
		b = protowire.AppendBytes(b, make([]byte, 10))
	}
	n := 0
	if err := New(bytes.NewReader(b), int64(len(b))).Walk(0, int64(len(b)), func(Field) error { n++; return nil }); err != nil || n != 20000 {
		t.Fatalf("%d fields, err %v", n, err)
	}
}

func FuzzWalk(f *testing.F) {
	f.Add([]byte{0x08, 0x96, 0x01, 0x12, 0x02, 'h', 'i'})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := New(bytes.NewReader(data), int64(len(data)))
		var walk func(off, end int64, depth int) error
		walk = func(off, end int64, depth int) error {
			return r.Walk(off, end, func(f Field) error {
				if f.Off < 0 || f.Off+f.Len > int64(len(data)) {
					t.Fatalf("span %d+%d", f.Off, f.Len)
				}
				if f.Type == protowire.BytesType && depth < 5 {
					_ = walk(f.Off, f.Off+f.Len, depth+1)
				}
				return nil
			})
		}
		_ = walk(0, int64(len(data)), 0)
	})
}
