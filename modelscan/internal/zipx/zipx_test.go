package zipx

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"testing"
)

func makeZip(t *testing.T, n int, deflate bool, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i < n; i++ {
		m := zip.Store
		if deflate {
			m = zip.Deflate
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: string(rune('a'+i%26)) + "/" + string(rune('0'+i%10)), Method: m})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	zw.Close()
	return buf.Bytes()
}

func TestEntryCountAndMembers(t *testing.T) {
	z := makeZip(t, 7, false, []byte("hello"))
	if n, err := EntryCount(bytes.NewReader(z), int64(len(z))); err != nil || n != 7 {
		t.Fatalf("EntryCount = %d %v", n, err)
	}
	zr, err := Open(bytes.NewReader(z), int64(len(z)))
	if err != nil {
		t.Fatal(err)
	}
	m, err := OpenMember(context.Background(), bytes.NewReader(z), zr.File[0], 100)
	if err != nil || m.Size != 5 || m.Offset < 0 {
		t.Fatalf("stored member %+v %v", m, err)
	}
	big := makeZip(t, 1, true, make([]byte, 1<<20))
	zr, _ = Open(bytes.NewReader(big), int64(len(big)))
	if _, err := OpenMember(context.Background(), bytes.NewReader(big), zr.File[0], 1000); !errors.Is(err, ErrBomb) {
		t.Fatalf("want ErrBomb, got %v", err)
	}
	m, err = OpenMember(context.Background(), bytes.NewReader(big), zr.File[0], 2<<20)
	if err != nil || m.Size != 1<<20 || m.Offset != -1 {
		t.Fatalf("deflated member %+v %v", m, err)
	}
	m.Close()
	// A directory claiming more entries than allowed is refused before
	// archive/zip allocates for them.
	bad := append([]byte(nil), z...)
	i := bytes.LastIndex(bad, []byte("PK\x05\x06"))
	bad[i+10], bad[i+11] = 0xfe, 0xff
	if n, err := EntryCount(bytes.NewReader(bad), int64(len(bad))); err != nil || n != 0xfffe {
		t.Fatalf("EntryCount = %d %v", n, err)
	}
	if IsZip([]byte("PK\x03")) || !IsZip(z) || FirstName(z) != "a/0" {
		t.Fatal("IsZip/FirstName")
	}
}
