package archive

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
)

// ZipEntries returns the number of entries a zip's end-of-central-directory
// record (or its zip64 counterpart) declares, without parsing the
// directory. Callers check it before archive/zip.NewReader, which allocates
// a record per declared entry.
func ZipEntries(r io.ReaderAt, size int64) (uint64, error) {
	const eocdLen = 22
	if size < eocdLen {
		return 0, errors.New("zip: too short for an end-of-central-directory record")
	}
	n := min(size, eocdLen+65535+20)
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, size-n); err != nil && !errors.Is(err, io.EOF) {
		return 0, err
	}
	i := bytes.LastIndex(buf, []byte("PK\x05\x06"))
	if i < 0 || i+eocdLen > len(buf) {
		return 0, errors.New("zip: no end-of-central-directory record")
	}
	count := uint64(binary.LittleEndian.Uint16(buf[i+10:]))
	if count != 0xffff || i < 20 || !bytes.Equal(buf[i-20:i-16], []byte("PK\x06\x07")) {
		return count, nil
	}
	// zip64: the locator before the record points at the zip64 record.
	off := int64(binary.LittleEndian.Uint64(buf[i-20+8:]))
	var rec [56]byte
	if off < 0 || off+56 > size {
		return 0, errors.New("zip: zip64 record outside the file")
	}
	if _, err := r.ReadAt(rec[:], off); err != nil && !errors.Is(err, io.EOF) {
		return 0, err
	}
	if !bytes.Equal(rec[:4], []byte("PK\x06\x06")) {
		return 0, errors.New("zip: bad zip64 record")
	}
	return binary.LittleEndian.Uint64(rec[32:]), nil
}
