package scanutil

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/bulwark-ai/bulwark/finding"
	"github.com/bulwark-ai/bulwark/modelscan/format"
)

func TestReadAt(t *testing.T) {
	r := bytes.NewReader([]byte("0123456789"))
	if b, err := ReadAt(r, 2, 3, 10); err != nil || string(b) != "234" {
		t.Fatalf("ReadAt = %q, %v", b, err)
	}
	if _, err := ReadAt(r, 8, 5, 10); !errors.Is(err, ErrTruncated) {
		t.Fatalf("short read: %v", err)
	}
	if _, err := ReadAt(r, 0, 11, 10); err == nil {
		t.Fatal("read above the bound accepted")
	}
	if _, err := ReadAt(r, 0, -1, 10); err == nil {
		t.Fatal("negative length accepted")
	}
}

func TestMemberLoc(t *testing.T) {
	in := format.Input{Loc: finding.Location{File: "a.zip", Offset: 5}}
	l := MemberLoc(in, "b.tar")
	if l.Member != "b.tar" || l.Offset != -1 {
		t.Fatalf("%+v", l)
	}
	in.Loc = l
	if l := MemberLoc(in, "c.pkl"); l.Member != "b.tar!c.pkl" {
		t.Fatalf("%+v", l)
	}
}

func TestSecretFindings(t *testing.T) {
	key := strings.Join([]string{"AK", "IA", "QWERTYUIOPASDFGH"}, "")
	text := []byte("aws id " + key)
	fs := SecretFindings(text, finding.Location{File: "f"}, 100, "note")
	if len(fs) != 1 {
		t.Fatalf("got %d findings", len(fs))
	}
	f := fs[0]
	if f.RuleID != "SECRET001" || f.Location.Offset != 107 || strings.Contains(f.Evidence, key) || f.Severity != finding.High {
		t.Fatalf("%+v", f)
	}
	if fs := SecretFindings([]byte("nothing here"), finding.Location{}, 0, "x"); fs != nil {
		t.Fatalf("clean text: %+v", fs)
	}
}
