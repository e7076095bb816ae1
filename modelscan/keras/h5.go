package keras

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// HDF5 bounds.
const (
	maxConfig   = 64 << 20 // largest model_config read
	maxMessages = 4096     // object header messages examined
	maxBlocks   = 64       // object header continuation blocks followed
)

var h5Signature = []byte("\x89HDF\r\n\x1a\n")

// errNoAttr means the root group has no model_config attribute the reader
// could reach.
var errNoAttr = errors.New("no model_config attribute found")

// h5 is a bounded reader of the parts of an HDF5 file the scanner needs.
type h5 struct {
	ra     io.ReaderAt
	size   int64
	base   int64
	so, sl int // sizes of offsets and lengths
}

// read returns n bytes at off, checking the range first.
func (h *h5) read(off, n int64) ([]byte, error) {
	if off < 0 || n < 0 || n > maxConfig || off > h.size || n > h.size-off {
		return nil, fmt.Errorf("hdf5: read of %d bytes at %d outside the %d-byte file", n, off, h.size)
	}
	b := make([]byte, n)
	if _, err := h.ra.ReadAt(b, off); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return b, nil
}

func le(b []byte) uint64 {
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

// findSuperblock returns the superblock offset (0, 512, 1024, ...).
func findSuperblock(ra io.ReaderAt, size int64) (int64, bool) {
	var sig [8]byte
	for off := int64(0); off+8 <= size && off <= 1<<20; {
		if _, err := ra.ReadAt(sig[:], off); err == nil && bytes.Equal(sig[:], h5Signature) {
			return off, true
		}
		if off == 0 {
			off = 512
		} else {
			off *= 2
		}
	}
	return 0, false
}

// modelConfig reads the root group's model_config attribute.
func modelConfig(ra io.ReaderAt, size int64) (string, error) {
	sb, ok := findSuperblock(ra, size)
	if !ok {
		return "", errors.New("hdf5: no superblock")
	}
	h := &h5{ra: ra, size: size}
	hdr, err := h.read(sb, min(96, size-sb))
	if err != nil || len(hdr) < 16 {
		return "", fmt.Errorf("hdf5: superblock: %w", err)
	}
	var root int64
	switch v := hdr[8]; v {
	case 0, 1:
		h.so, h.sl = int(hdr[13]), int(hdr[14])
		if !validSize(h.so) || !validSize(h.sl) {
			return "", fmt.Errorf("hdf5: bad offset/length sizes %d/%d", h.so, h.sl)
		}
		p := 24
		if v == 1 {
			p += 4
		}
		// base, free-space, EOF and driver info addresses, then the root
		// symbol table entry: link name offset, object header address.
		if len(hdr) < p+6*h.so {
			return "", errors.New("hdf5: superblock truncated")
		}
		h.base = int64(le(hdr[p : p+h.so]))
		root = int64(le(hdr[p+5*h.so : p+6*h.so]))
	case 2, 3:
		h.so, h.sl = int(hdr[9]), int(hdr[10])
		if !validSize(h.so) || !validSize(h.sl) {
			return "", fmt.Errorf("hdf5: bad offset/length sizes %d/%d", h.so, h.sl)
		}
		p := 12
		if len(hdr) < p+4*h.so {
			return "", errors.New("hdf5: superblock truncated")
		}
		h.base = int64(le(hdr[p : p+h.so]))
		root = int64(le(hdr[p+3*h.so : p+4*h.so]))
	default:
		return "", fmt.Errorf("hdf5: superblock version %d", v)
	}
	if h.base == 0 {
		h.base = sb
	}
	return h.rootAttribute(h.base+root, "model_config")
}

func validSize(n int) bool { return n == 2 || n == 4 || n == 8 }

// block is a span of object header messages.
type block struct {
	off, end int64
	v2       bool
}

// rootAttribute walks the object header at off for an attribute called name.
func (h *h5) rootAttribute(off int64, name string) (string, error) {
	head, err := h.read(off, min(32, h.size-off))
	if err != nil || len(head) < 16 {
		return "", fmt.Errorf("hdf5: object header: %w", err)
	}
	var blocks []block
	v2Flags := byte(0)
	switch {
	case bytes.HasPrefix(head, []byte("OHDR")):
		v2Flags = head[5]
		p := int64(6)
		if v2Flags&0x20 != 0 {
			p += 16
		}
		if v2Flags&0x10 != 0 {
			p += 4
		}
		n := int64(1) << (v2Flags & 3)
		if int64(len(head)) < p+n {
			return "", errors.New("hdf5: object header truncated")
		}
		chunk := int64(le(head[p : p+n]))
		start := off + p + n
		blocks = append(blocks, block{start, start + chunk, true})
	case head[0] == 1:
		size := int64(binary.LittleEndian.Uint32(head[8:12]))
		blocks = append(blocks, block{off + 16, off + 16 + size, false})
	default:
		return "", fmt.Errorf("hdf5: unknown object header at %d", off)
	}
	seen := 0
	for i := 0; i < len(blocks) && i < maxBlocks; i++ {
		b := blocks[i]
		if b.end > h.size || b.off > b.end {
			return "", fmt.Errorf("hdf5: header block [%d,%d) outside the file", b.off, b.end)
		}
		data, err := h.read(b.off, b.end-b.off)
		if err != nil {
			return "", err
		}
		p := 0
		for p < len(data) && seen < maxMessages {
			seen++
			var typ, size, hl int
			if b.v2 {
				hl = 4
				if v2Flags&0x04 != 0 {
					hl = 6
				}
				if p+hl > len(data) {
					break
				}
				typ, size = int(data[p]), int(binary.LittleEndian.Uint16(data[p+1:]))
			} else {
				hl = 8
				if p+hl > len(data) {
					break
				}
				typ, size = int(binary.LittleEndian.Uint16(data[p:])), int(binary.LittleEndian.Uint16(data[p+2:]))
			}
			flags := data[p+4] // v1: type(2) size(2) flags
			if b.v2 {
				flags = data[p+3] // v2: type(1) size(2) flags
			}
			ds := p + hl
			if ds+size > len(data) {
				break
			}
			msg := data[ds : ds+size]
			switch typ {
			case 0x10: // continuation
				if len(msg) >= h.so+h.sl {
					co := h.base + int64(le(msg[:h.so]))
					cl := int64(le(msg[h.so : h.so+h.sl]))
					if b.v2 {
						blocks = append(blocks, block{co + 4, co + cl - 4, true})
					} else {
						blocks = append(blocks, block{co, co + cl, false})
					}
				}
			case 0x0C: // attribute
				if flags&0x02 == 0 { // not shared
					if s, ok, err := h.attribute(msg, name); ok || err != nil {
						return s, err
					}
				}
			}
			p = ds + size
		}
	}
	return "", errNoAttr
}

func pad8(n int) int { return (n + 7) &^ 7 }

// attribute decodes an attribute message and returns its value when its
// name matches and it holds a string.
func (h *h5) attribute(m []byte, want string) (string, bool, error) {
	if len(m) < 8 {
		return "", false, nil
	}
	ver := m[0]
	nameSize := int(binary.LittleEndian.Uint16(m[2:]))
	dtSize := int(binary.LittleEndian.Uint16(m[4:]))
	dsSize := int(binary.LittleEndian.Uint16(m[6:]))
	var np, dtp, dsp, dp int
	switch ver {
	case 1:
		np = 8
		dtp = np + pad8(nameSize)
		dsp = dtp + pad8(dtSize)
		dp = dsp + pad8(dsSize)
	case 2:
		np = 8
		dtp, dsp = np+nameSize, np+nameSize+dtSize
		dp = dsp + dsSize
	case 3:
		np = 9
		dtp, dsp = np+nameSize, np+nameSize+dtSize
		dp = dsp + dsSize
	default:
		return "", false, nil
	}
	if np+nameSize > len(m) || dtp+dtSize > len(m) || dp > len(m) || dtSize < 8 {
		return "", false, nil
	}
	name := string(bytes.TrimRight(m[np:np+nameSize], "\x00"))
	if name != want {
		return "", false, nil
	}
	dt := m[dtp : dtp+dtSize]
	data := m[dp:]
	switch dt[0] & 0x0f {
	case 3: // fixed-length string
		n := int(binary.LittleEndian.Uint32(dt[4:8]))
		if n > len(data) {
			n = len(data)
		}
		return string(bytes.TrimRight(data[:n], "\x00 ")), true, nil
	case 9: // variable-length; string when the type field is 1
		if dt[1]&0x0f != 1 {
			return "", false, nil
		}
		if len(data) < 4+h.so+4 {
			return "", true, errors.New("hdf5: variable-length string reference truncated")
		}
		length := int64(binary.LittleEndian.Uint32(data[:4]))
		coll := h.base + int64(le(data[4:4+h.so]))
		idx := binary.LittleEndian.Uint32(data[4+h.so:])
		s, err := h.heapObject(coll, idx, length)
		return s, true, err
	}
	return "", false, nil
}

// heapObject reads object idx of the global heap collection at off.
func (h *h5) heapObject(off int64, idx uint32, length int64) (string, error) {
	hdr, err := h.read(off, int64(8+h.sl))
	if err != nil {
		return "", fmt.Errorf("hdf5: global heap: %w", err)
	}
	if !bytes.HasPrefix(hdr, []byte("GCOL")) {
		return "", fmt.Errorf("hdf5: no global heap collection at %d", off)
	}
	csize := int64(le(hdr[8 : 8+h.sl]))
	end := off + csize
	if csize < 0 || end > h.size {
		return "", fmt.Errorf("hdf5: global heap collection of %d bytes at %d exceeds the file", csize, off)
	}
	p := off + int64(8+h.sl)
	for i := 0; p+int64(8+h.sl) <= end && i < 1<<20; i++ {
		oh, err := h.read(p, int64(8+h.sl))
		if err != nil {
			return "", err
		}
		id := binary.LittleEndian.Uint16(oh)
		size := int64(le(oh[8 : 8+h.sl]))
		if id == 0 { // free space
			break
		}
		dataOff := p + int64(8+h.sl)
		if size < 0 || size > end-dataOff {
			return "", fmt.Errorf("hdf5: heap object %d of %d bytes runs past its collection", id, size)
		}
		if uint32(id) == idx {
			n := min(size, length, maxConfig)
			b, err := h.read(dataOff, n)
			return string(b), err
		}
		p = dataOff + int64(pad8(int(min(size, 1<<40))))
	}
	return "", fmt.Errorf("hdf5: heap object %d not found", idx)
}

// configMarkers start a Keras model configuration as json.dumps writes it
// (key order differs between Keras versions).
var configMarkers = [][]byte{[]byte(`{"class_name"`), []byte(`{"config": {`), []byte(`{"module": "keras`)}

// scanForConfig is the fallback: the first JSON object in the file that
// starts like a Keras model configuration, read in bounded windows and
// delimited by brace matching outside strings.
func scanForConfig(ra io.ReaderAt, size int64) (string, int64, bool) {
	const window = 1 << 20
	buf := make([]byte, window+64)
	for off := int64(0); off < size && off < 256<<20; off += window {
		n, _ := ra.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		first := -1
		for _, m := range configMarkers {
			if i := bytes.Index(buf[:n], m); i >= 0 && (first < 0 || i < first) {
				first = i
			}
		}
		if first < 0 {
			continue
		}
		start := off + int64(first)
		s, ok := jsonObjectAt(ra, start, size)
		return s, start, ok
	}
	return "", 0, false
}

// jsonObjectAt reads the JSON object starting at off (at most maxConfig bytes).
func jsonObjectAt(ra io.ReaderAt, off, size int64) (string, bool) {
	var out []byte
	depth, inStr, esc := 0, false, false
	buf := make([]byte, 64<<10)
	for p := off; p < size && int64(len(out)) < maxConfig; {
		n, _ := ra.ReadAt(buf[:min(int64(len(buf)), size-p)], p)
		if n == 0 {
			break
		}
		for i := 0; i < n; i++ {
			c := buf[i]
			out = append(out, c)
			switch {
			case esc:
				esc = false
			case inStr && c == '\\':
				esc = true
			case c == '"':
				inStr = !inStr
			case !inStr && c == '{':
				depth++
			case !inStr && c == '}':
				depth--
				if depth == 0 {
					return string(out), true
				}
			}
		}
		p += int64(n)
	}
	return "", false
}
