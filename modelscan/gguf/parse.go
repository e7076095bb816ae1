package gguf

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
)

// Bounds applied before allocating anything read from a file.
const (
	// MaxKV bounds the metadata pairs parsed.
	MaxKV = 1 << 20
	// MaxTensors bounds the tensor infos parsed.
	MaxTensors = 1 << 20
	// MaxKeyLen is the longest metadata key (the specification's limit).
	MaxKeyLen = 65535
	// MaxNameLen is the longest tensor name accepted (ggml's limit is 64).
	MaxNameLen = 1024
	// MaxKeysTotal bounds the bytes of metadata keys kept for checks;
	// past it keys are still parsed but no longer kept.
	MaxKeysTotal = 64 << 20
	// MaxKeptString is the longest string value kept for checks (chat
	// templates, secrets); longer strings are skipped unread.
	MaxKeptString = 4 << 20
	// MaxKeptTotal bounds all kept strings together.
	MaxKeptTotal = 64 << 20
	// MaxArrayDepth bounds arrays of arrays.
	MaxArrayDepth = 4
	// MaxDims is GGML_MAX_DIMS.
	MaxDims = 4
	// DefaultAlignment is used when general.alignment is absent.
	DefaultAlignment = 32
)

// Metadata value types.
const (
	TypeUint8 uint32 = iota
	TypeInt8
	TypeUint16
	TypeInt16
	TypeUint32
	TypeInt32
	TypeFloat32
	TypeBool
	TypeString
	TypeArray
	TypeUint64
	TypeInt64
	TypeFloat64
)

func scalarSize(t uint32) uint64 {
	switch t {
	case TypeUint8, TypeInt8, TypeBool:
		return 1
	case TypeUint16, TypeInt16:
		return 2
	case TypeUint32, TypeInt32, TypeFloat32:
		return 4
	case TypeUint64, TypeInt64, TypeFloat64:
		return 8
	}
	return 0
}

// File is a parsed GGUF header.
type File struct {
	// Version is the GGUF version (1 to 3).
	Version uint32
	// BigEndian is true for big-endian files.
	BigEndian bool
	// TensorCount and KVCount are the header's counts.
	TensorCount uint64
	KVCount     uint64
	// Strings holds the string metadata values kept for checks, in order.
	Strings []KV
	// Keys lists every metadata key with its value offset, in order.
	Keys []KV
	// Alignment of tensor data (general.alignment or 32).
	Alignment uint64
	// AlignmentOK is false when general.alignment was present but invalid.
	AlignmentOK bool
	// Tensors are the tensor infos, in order.
	Tensors []TensorInfo
	// DataOffset is where tensor data starts (aligned end of the infos).
	DataOffset int64
}

// KV is one metadata pair.
type KV struct {
	// Key is the metadata key.
	Key string
	// Type is the value type (TypeUint8 … TypeFloat64).
	Type uint32
	// Offset is the file offset of the value (for strings, of its bytes).
	Offset int64
	// Str is the value of a kept string.
	Str string
	// Num is the value of an unsigned or signed integer.
	Num uint64
}

// TensorInfo is one tensor's description.
type TensorInfo struct {
	// Name is the tensor name.
	Name string
	// Dims are the dimensions.
	Dims []uint64
	// Type is the ggml_type.
	Type uint32
	// Offset is relative to the start of tensor data.
	Offset uint64
	// InfoOffset is the file offset of the tensor info.
	InfoOffset int64
}

// ParseError is a structural problem that stopped parsing.
type ParseError struct {
	// Rule is the rule id the problem maps to.
	Rule string
	// Offset in the file.
	Offset int64
	// Msg says what is wrong.
	Msg string
}

// Error implements error.
func (e *ParseError) Error() string { return fmt.Sprintf("gguf: offset %d: %s", e.Offset, e.Msg) }

// reader reads a GGUF file sequentially through a buffer, tracking the
// offset and the bytes left.
type reader struct {
	ra   io.ReaderAt
	size int64
	off  int64
	br   *bufio.Reader
	bo   binary.ByteOrder
	v1   bool
	buf  [8]byte
}

func newReader(ra io.ReaderAt, size int64) *reader {
	r := &reader{ra: ra, size: size, bo: binary.LittleEndian}
	r.seek(0)
	return r
}

func (r *reader) seek(off int64) {
	r.off = off
	r.br = bufio.NewReaderSize(io.NewSectionReader(r.ra, off, max(r.size-off, 0)), 64<<10)
}

func (r *reader) left() uint64 { return uint64(max(r.size-r.off, 0)) }

func (r *reader) fail(rule, format string, args ...any) error {
	return &ParseError{Rule: rule, Offset: r.off, Msg: fmt.Sprintf(format, args...)}
}

func (r *reader) fixed(n int, what string) ([]byte, error) {
	if uint64(n) > r.left() {
		return nil, r.fail(RuleMetadata, "%s needs %d bytes but %d remain", what, n, r.left())
	}
	if _, err := io.ReadFull(r.br, r.buf[:n]); err != nil {
		return nil, fmt.Errorf("gguf: read %s at %d: %w", what, r.off, err)
	}
	r.off += int64(n)
	return r.buf[:n], nil
}

func (r *reader) u32(what string) (uint32, error) {
	b, err := r.fixed(4, what)
	if err != nil {
		return 0, err
	}
	return r.bo.Uint32(b), nil
}

func (r *reader) u64(what string) (uint64, error) {
	b, err := r.fixed(8, what)
	if err != nil {
		return 0, err
	}
	return r.bo.Uint64(b), nil
}

// count reads a length or count: 32-bit in version 1, 64-bit after.
func (r *reader) count(what string) (uint64, error) {
	if r.v1 {
		v, err := r.u32(what)
		return uint64(v), err
	}
	return r.u64(what)
}

func (r *reader) skip(n uint64, what string) error {
	if n > r.left() {
		return r.fail(RuleMetadata, "%s of %d bytes runs past the end of the file (%d bytes remain)", what, n, r.left())
	}
	if n <= 1<<20 {
		if _, err := r.br.Discard(int(n)); err != nil {
			return err
		}
		r.off += int64(n)
		return nil
	}
	r.seek(r.off + int64(n))
	return nil
}

// str reads a string of at most keep bytes; a longer string (still within
// the file) is skipped and returned as ok=false.
func (r *reader) str(keep uint64, rule, what string) (s string, start int64, ok bool, err error) {
	n, err := r.count(what)
	if err != nil {
		return "", 0, false, err
	}
	if n > r.left() {
		return "", 0, false, r.fail(rule, "%s length %d exceeds the %d bytes left in the file", what, n, r.left())
	}
	start = r.off
	if n > keep {
		return "", start, false, r.skip(n, what)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r.br, b); err != nil {
		return "", 0, false, fmt.Errorf("gguf: read %s at %d: %w", what, r.off, err)
	}
	r.off += int64(n)
	return string(b), start, true, nil
}

// Parse parses the header, metadata and tensor infos of a GGUF file of the
// given size. On a structural problem it returns what it parsed so far and
// a *ParseError.
func Parse(ra io.ReaderAt, size int64) (*File, error) {
	r := newReader(ra, size)
	f := &File{Alignment: DefaultAlignment, AlignmentOK: true}
	for _, part := range [...]func(*reader, *File) error{parseHeader, parseMetadata, parseTensorInfos} {
		if err := part(r, f); err != nil {
			return f, err
		}
	}
	f.DataOffset = alignUp(r.off, f.Alignment)
	return f, nil
}

// parseHeader reads the magic, version and counts into f and checks that
// the counts can fit in what is left of the file.
func parseHeader(r *reader, f *File) error {
	magic, err := r.fixed(4, "magic")
	if err != nil {
		return &ParseError{Rule: RuleHeader, Offset: 0, Msg: "file shorter than the GGUF magic"}
	}
	if string(magic) != "GGUF" {
		return &ParseError{Rule: RuleHeader, Offset: 0, Msg: fmt.Sprintf("magic %q is not GGUF", magic)}
	}
	v, err := r.u32("version")
	if err != nil {
		return &ParseError{Rule: RuleHeader, Offset: 4, Msg: "file ends inside the version"}
	}
	if v > 0xffff && bits.ReverseBytes32(v) <= 3 {
		v = bits.ReverseBytes32(v)
		r.bo = binary.BigEndian
		f.BigEndian = true
	}
	if v < 1 || v > 3 {
		return &ParseError{Rule: RuleHeader, Offset: 4, Msg: fmt.Sprintf("unsupported GGUF version %d", v)}
	}
	f.Version = v
	r.v1 = v == 1
	if f.TensorCount, err = r.count("tensor count"); err != nil {
		return headerErr(err)
	}
	if f.KVCount, err = r.count("metadata count"); err != nil {
		return headerErr(err)
	}
	// Smallest encodings: a KV is a key length, a type and a 1-byte value;
	// a tensor info is a name length, n_dims, one dim, a type and an offset.
	lenSize := uint64(8)
	if r.v1 {
		lenSize = 4
	}
	minKV, minTensor := lenSize+4+1, lenSize+4+lenSize+4+8
	if f.KVCount > MaxKV || f.KVCount > r.left()/minKV {
		return &ParseError{Rule: RuleHeader, Offset: r.off - int64(lenSize),
			Msg: fmt.Sprintf("metadata count %d cannot fit in the %d bytes left (or exceeds %d)", f.KVCount, r.left(), MaxKV)}
	}
	if f.TensorCount > MaxTensors || f.TensorCount > r.left()/minTensor {
		return &ParseError{Rule: RuleHeader, Offset: r.off - 2*int64(lenSize),
			Msg: fmt.Sprintf("tensor count %d cannot fit in the %d bytes left (or exceeds %d)", f.TensorCount, r.left(), MaxTensors)}
	}
	return nil
}

// parseMetadata reads the metadata key-value pairs into f, keeping string
// values and keys within their bounds.
func parseMetadata(r *reader, f *File) error {
	kept, keysKept := uint64(0), uint64(0)
	for i := uint64(0); i < f.KVCount; i++ {
		key, _, ok, err := r.str(MaxKeyLen, RuleMetadata, "metadata key")
		if err != nil {
			return err
		}
		if !ok {
			return r.fail(RuleMetadata, "metadata key longer than %d bytes", MaxKeyLen)
		}
		t, err := r.u32("value type")
		if err != nil {
			return err
		}
		kv := KV{Key: key, Type: t, Offset: r.off}
		switch {
		case t == TypeString:
			keep := min(uint64(MaxKeptString), MaxKeptTotal-kept)
			s, start, ok, err := r.str(keep, RuleMetadata, "string value of "+key)
			if err != nil {
				return err
			}
			kv.Offset = start
			if ok {
				kv.Str = s
				kept += uint64(len(s))
				f.Strings = append(f.Strings, kv)
			}
		case t == TypeArray:
			if err := r.array(0); err != nil {
				return err
			}
		case scalarSize(t) > 0:
			b, err := r.fixed(int(scalarSize(t)), "value of "+key)
			if err != nil {
				return err
			}
			switch len(b) {
			case 1:
				kv.Num = uint64(b[0])
			case 2:
				kv.Num = uint64(r.bo.Uint16(b))
			case 4:
				kv.Num = uint64(r.bo.Uint32(b))
			case 8:
				kv.Num = r.bo.Uint64(b)
			}
		default:
			return &ParseError{Rule: RuleMetadata, Offset: r.off - 4, Msg: fmt.Sprintf("metadata %q has unknown value type %d", key, t)}
		}
		if key == "general.alignment" {
			if t != TypeUint32 || kv.Num == 0 || kv.Num&(kv.Num-1) != 0 {
				f.AlignmentOK = false
			} else {
				f.Alignment = kv.Num
			}
		}
		if keysKept+uint64(len(key)) <= MaxKeysTotal {
			keysKept += uint64(len(key))
			f.Keys = append(f.Keys, kv)
		}
	}
	return nil
}

// parseTensorInfos reads the tensor infos into f.
func parseTensorInfos(r *reader, f *File) error {
	for i := uint64(0); i < f.TensorCount; i++ {
		ti := TensorInfo{InfoOffset: r.off}
		name, _, ok, err := r.str(MaxNameLen, RuleTensorInfo, "tensor name")
		if err != nil {
			return err
		}
		if !ok {
			return r.fail(RuleTensorInfo, "tensor name longer than %d bytes", MaxNameLen)
		}
		ti.Name = name
		nd, err := r.u32("tensor n_dims")
		if err != nil {
			return err
		}
		if nd > MaxDims {
			return r.fail(RuleTensorInfo, "tensor %q has %d dimensions (at most %d)", name, nd, MaxDims)
		}
		ti.Dims = make([]uint64, nd)
		for d := range ti.Dims {
			if ti.Dims[d], err = r.count("tensor dimension"); err != nil {
				return err
			}
		}
		if ti.Type, err = r.u32("tensor type"); err != nil {
			return err
		}
		if ti.Offset, err = r.u64("tensor offset"); err != nil {
			return err
		}
		f.Tensors = append(f.Tensors, ti)
	}
	return nil
}

func headerErr(err error) error {
	var pe *ParseError
	if errors.As(err, &pe) {
		pe.Rule = RuleHeader
	}
	return err
}

func alignUp(off int64, a uint64) int64 {
	if a == 0 {
		return off
	}
	rem := uint64(off) % a
	if rem == 0 {
		return off
	}
	return off + int64(a-rem)
}

// array skips an array value, checking its count against the file.
func (r *reader) array(depth int) error {
	if depth >= MaxArrayDepth {
		return r.fail(RuleMetadata, "arrays nested deeper than %d", MaxArrayDepth)
	}
	et, err := r.u32("array element type")
	if err != nil {
		return err
	}
	n, err := r.count("array length")
	if err != nil {
		return err
	}
	if sz := scalarSize(et); sz > 0 {
		hi, total := bits.Mul64(n, sz)
		if hi != 0 || total > r.left() {
			return r.fail(RuleMetadata, "array of %d %d-byte values exceeds the %d bytes left", n, sz, r.left())
		}
		return r.skip(total, "array")
	}
	lenSize := uint64(8)
	if r.v1 {
		lenSize = 4
	}
	switch et {
	case TypeString:
		if n > r.left()/lenSize {
			return r.fail(RuleMetadata, "array of %d strings cannot fit in the %d bytes left", n, r.left())
		}
		for i := uint64(0); i < n; i++ {
			if _, _, _, err := r.str(0, RuleMetadata, "array string"); err != nil {
				return err
			}
		}
		return nil
	case TypeArray:
		if n > r.left()/(4+lenSize) {
			return r.fail(RuleMetadata, "array of %d arrays cannot fit in the %d bytes left", n, r.left())
		}
		for i := uint64(0); i < n; i++ {
			if err := r.array(depth + 1); err != nil {
				return err
			}
		}
		return nil
	}
	return r.fail(RuleMetadata, "array has unknown element type %d", et)
}
