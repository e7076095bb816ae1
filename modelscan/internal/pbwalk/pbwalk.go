// Package pbwalk walks protobuf messages stored in an io.ReaderAt without
// loading them: fields are decoded with protowire from a small sliding
// window, and length-delimited values (tensor payloads, nested messages)
// are returned as (offset, length) spans that the caller may descend into,
// read (bounded) or skip. Memory use is independent of the file size.
package pbwalk

import (
	"errors"
	"fmt"
	"io"

	"google.golang.org/protobuf/encoding/protowire"
)

// Field is one decoded field.
type Field struct {
	// Num is the field number.
	Num protowire.Number
	// Type is the wire type.
	Type protowire.Type
	// Tag is the file offset of the field's tag.
	Tag int64
	// Off and Len delimit a length-delimited value (Type == BytesType).
	Off, Len int64
	// Varint holds a VarintType value, or the raw bits of a fixed value.
	Varint uint64
}

// ErrMalformed is wrapped by every error about the encoding itself.
var ErrMalformed = errors.New("malformed protobuf")

// Reader reads protobuf fields from an io.ReaderAt through a window.
type Reader struct {
	ra   io.ReaderAt
	size int64
	win  []byte
	wOff int64
}

const windowSize = 64 << 10

// New returns a Reader over the first size bytes of ra.
func New(ra io.ReaderAt, size int64) *Reader {
	return &Reader{ra: ra, size: size, win: make([]byte, 0, windowSize)}
}

// Size returns the input size.
func (r *Reader) Size() int64 { return r.size }

// at returns up to n bytes at off (fewer at the end of the input).
func (r *Reader) at(off int64, n int) ([]byte, error) {
	if off < r.wOff || off+int64(n) > r.wOff+int64(len(r.win)) {
		m := min(int64(windowSize), r.size-off)
		if m <= 0 {
			return nil, nil
		}
		r.win = r.win[:m]
		k, err := r.ra.ReadAt(r.win, off)
		if k < int(m) && err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		r.win, r.wOff = r.win[:k], off
	}
	s := off - r.wOff
	e := min(s+int64(n), int64(len(r.win)))
	return r.win[s:e], nil
}

// Walk calls fn for each field of the message in [off, end). fn returning
// an error stops the walk with that error.
func (r *Reader) Walk(off, end int64, fn func(Field) error) error {
	if end > r.size || off < 0 || off > end {
		return fmt.Errorf("%w: message [%d,%d) outside the %d-byte input", ErrMalformed, off, end, r.size)
	}
	for off < end {
		b, err := r.at(off, 20)
		if err != nil {
			return err
		}
		b = b[:min(int64(len(b)), end-off)]
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("%w: bad tag at offset %d", ErrMalformed, off)
		}
		f := Field{Num: num, Type: typ, Tag: off}
		p := off + int64(n)
		b = b[n:]
		switch typ {
		case protowire.VarintType:
			v, m := protowire.ConsumeVarint(b)
			if m < 0 {
				return fmt.Errorf("%w: bad varint at offset %d", ErrMalformed, p)
			}
			f.Varint, p = v, p+int64(m)
		case protowire.Fixed32Type:
			v, m := protowire.ConsumeFixed32(b)
			if m < 0 {
				return fmt.Errorf("%w: truncated fixed32 at offset %d", ErrMalformed, p)
			}
			f.Varint, p = uint64(v), p+4
		case protowire.Fixed64Type:
			v, m := protowire.ConsumeFixed64(b)
			if m < 0 {
				return fmt.Errorf("%w: truncated fixed64 at offset %d", ErrMalformed, p)
			}
			f.Varint, p = v, p+8
		case protowire.BytesType:
			l, m := protowire.ConsumeVarint(b)
			if m < 0 {
				return fmt.Errorf("%w: bad length at offset %d", ErrMalformed, p)
			}
			p += int64(m)
			if l > uint64(end-p) {
				return fmt.Errorf("%w: field %d length %d at offset %d runs past its message (%d bytes left)", ErrMalformed, num, l, p, end-p)
			}
			f.Off, f.Len = p, int64(l)
			p += int64(l)
		default:
			return fmt.Errorf("%w: unsupported wire type %d at offset %d", ErrMalformed, typ, off)
		}
		if num <= 0 {
			return fmt.Errorf("%w: field number %d at offset %d", ErrMalformed, num, off)
		}
		if err := fn(f); err != nil {
			return err
		}
		off = p
	}
	return nil
}

// Bytes reads a length-delimited value of at most max bytes; longer values
// are cut to max and reported with ok=false.
func (r *Reader) Bytes(f Field, max int64) (b []byte, ok bool, err error) {
	n := min(f.Len, max)
	b = make([]byte, n)
	if _, err := r.ra.ReadAt(b, f.Off); err != nil && !errors.Is(err, io.EOF) {
		return nil, false, err
	}
	return b, n == f.Len, nil
}

// String is Bytes as a string.
func (r *Reader) String(f Field, max int64) (string, bool, error) {
	b, ok, err := r.Bytes(f, max)
	return string(b), ok, err
}

// Varints decodes a packed repeated varint field (or a single varint) into
// dst, at most limit values.
func (r *Reader) Varints(f Field, dst []uint64, limit int) ([]uint64, error) {
	if f.Type == protowire.VarintType {
		return append(dst, f.Varint), nil
	}
	if f.Type != protowire.BytesType {
		return dst, fmt.Errorf("%w: field %d is not varint", ErrMalformed, f.Num)
	}
	b, _, err := r.Bytes(f, int64(limit)*10)
	if err != nil {
		return dst, err
	}
	for len(b) > 0 && len(dst) < limit {
		v, n := protowire.ConsumeVarint(b)
		if n < 0 {
			return dst, fmt.Errorf("%w: bad packed varint at offset %d", ErrMalformed, f.Off)
		}
		dst = append(dst, v)
		b = b[n:]
	}
	return dst, nil
}

// CountPacked returns how many values a packed field holds: Len/size for
// fixed-width values, or the number of varints (read in bounded chunks).
func (r *Reader) CountPacked(f Field, fixed int) (int64, error) {
	if f.Type != protowire.BytesType {
		return 1, nil
	}
	if fixed > 0 {
		return f.Len / int64(fixed), nil
	}
	var n int64
	buf := make([]byte, 64<<10)
	for off := f.Off; off < f.Off+f.Len; off += int64(len(buf)) {
		k := min(int64(len(buf)), f.Off+f.Len-off)
		if _, err := r.ra.ReadAt(buf[:k], off); err != nil && !errors.Is(err, io.EOF) {
			return n, err
		}
		for _, c := range buf[:k] {
			if c < 0x80 {
				n++
			}
		}
	}
	return n, nil
}
