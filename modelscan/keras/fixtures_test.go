package keras

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/binary"
)

// Minimal HDF5 writers for tests, following the HDF5 file format
// specification (superblock, object header and attribute message layouts).
// Checksums of version 2 structures are left zero: the reader does not
// verify them.

func pad(b []byte) []byte {
	for len(b)%8 != 0 {
		b = append(b, 0)
	}
	return b
}

func u16(v int) []byte { return binary.LittleEndian.AppendUint16(nil, uint16(v)) }
func u32(v int) []byte { return binary.LittleEndian.AppendUint32(nil, uint32(v)) }
func u64(v int) []byte { return binary.LittleEndian.AppendUint64(nil, uint64(v)) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

var undef = bytes.Repeat([]byte{0xff}, 8)

// fixedStringType is a datatype message for a fixed-length string.
func fixedStringType(n int) []byte { return cat([]byte{0x13, 0, 0, 0}, u32(n)) }

// vlenStringType is a datatype message for a variable-length string.
func vlenStringType() []byte { return cat([]byte{0x19, 0x01, 0, 0}, u32(16), fixedStringType(1)) }

// attrV1 is a version 1 attribute message with a scalar dataspace.
func attrV1(name string, dtype, data []byte) []byte {
	nm := append([]byte(name), 0)
	ds := []byte{1, 0, 0, 0, 0, 0, 0, 0}
	return cat([]byte{1, 0}, u16(len(nm)), u16(len(dtype)), u16(len(ds)), pad(nm), pad(dtype), pad(ds), data)
}

// attrV3 is a version 3 attribute message with a scalar dataspace.
func attrV3(name string, dtype, data []byte) []byte {
	nm := append([]byte(name), 0)
	ds := []byte{2, 0, 0, 0}
	return cat([]byte{3, 0}, u16(len(nm)), u16(len(dtype)), u16(len(ds)), []byte{0}, nm, dtype, ds, data)
}

// msgV1 wraps a message for a version 1 object header.
func msgV1(typ int, data []byte) []byte {
	data = pad(data)
	return cat(u16(typ), u16(len(data)), []byte{0, 0, 0, 0}, data)
}

// h5v0 writes a superblock v0 file whose root group has the given
// attribute messages (version 1 object header at 96), followed by extra
// bytes (a global heap) placed at heapAt.
func h5v0(attrs [][]byte, extra func(heapAt int) []byte) []byte {
	var msgs []byte
	for _, a := range attrs {
		msgs = append(msgs, msgV1(0x0C, a)...)
	}
	sb := cat([]byte("\x89HDF\r\n\x1a\n"), []byte{0, 0, 0, 0, 0, 8, 8, 0}, u16(4), u16(16), u32(0),
		u64(0), undef, u64(0), undef, // base, free space, EOF (patched), driver
		u64(0), u64(96), u32(0), u32(0), make([]byte, 16)) // root symbol table entry
	oh := cat([]byte{1, 0}, u16(len(attrs)), u32(1), u32(len(msgs)), make([]byte, 4), msgs)
	f := cat(sb, oh)
	heapAt := len(f)
	if extra != nil {
		f = append(f, extra(heapAt)...)
	}
	copy(f[40:48], u64(len(f)))
	return f
}

// vlenData is an attribute value pointing at object 1 of the heap at heapAt.
func vlenData(n, heapAt int) []byte { return cat(u32(n), u64(heapAt), u32(1)) }

// globalHeap is a collection holding one object.
func globalHeap(obj []byte) []byte {
	body := cat(u16(1), u16(1), u32(0), u64(len(obj)), pad(obj))
	size := 16 + len(body) + 16
	return cat([]byte("GCOL"), []byte{1, 0, 0, 0}, u64(size), body, u16(0), u16(0), u32(0), u64(0))
}

// h5v2 writes a superblock v2 file with a version 2 object header.
func h5v2(attrs [][]byte) []byte {
	var msgs []byte
	for _, a := range attrs {
		msgs = append(msgs, cat([]byte{0x0C}, u16(len(a)), []byte{0}, a)...)
	}
	sb := cat([]byte("\x89HDF\r\n\x1a\n"), []byte{2, 8, 8, 0}, u64(0), undef, u64(0), u64(48), u32(0))
	oh := cat([]byte("OHDR"), []byte{2, 0x02}, u32(len(msgs)), msgs, u32(0))
	f := cat(sb, oh)
	copy(f[28:36], u64(len(f)))
	return f
}

// bytecode is a fake marshalled code object (TYPE_CODE with FLAG_REF).
func bytecode() string {
	return base64.StdEncoding.EncodeToString(append([]byte{0xe3, 0, 0, 0, 0}, bytes.Repeat([]byte{0x64, 0x01}, 20)...))
}

func kerasZip(config string, extra ...[2]string) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	// Keras writes with Python's zipfile default, ZIP_STORED.
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "metadata.json", Method: zip.Store})
	w.Write([]byte(`{"keras_version": "3.6.0", "date_saved": "2026-11-24"}`))
	w, _ = zw.Create("config.json")
	w.Write([]byte(config))
	for _, e := range extra {
		w, _ = zw.Create(e[0])
		w.Write([]byte(e[1]))
	}
	w, _ = zw.Create("model.weights.h5")
	w.Write(h5v0(nil, nil))
	zw.Close()
	return b.Bytes()
}
