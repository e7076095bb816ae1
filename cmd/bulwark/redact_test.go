package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRedactCmd(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "data.jsonl")
	data := `{"id":1,"text":"mail a@example.com","keep":"b@example.com"}` + "\n" + `{"id":2,"text":"card 4111 1111 1111 1111"}` + "\n"
	if err := os.WriteFile(in, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.jsonl")
	code, stdout, stderr := runCLI(t, nil, "redact", "--input", in, "--output", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":1,"text":"mail [EMAIL_1]","keep":"b@example.com"}` + "\n" + `{"id":2,"text":"card [CARD_1]"}` + "\n"
	if string(got) != want || stdout != "" {
		t.Fatalf("output %q, want %q (stdout %q)", got, want, stdout)
	}
	if !strings.Contains(stderr, "2 lines (jsonl), 2 changed, 2 values replaced: card 1, email 1") {
		t.Fatalf("summary missing: %q", stderr)
	}

	// stdin to stdout, plain text.
	var o, e bytes.Buffer
	code = run(context.Background(), []string{"redact"}, strings.NewReader("call +44 20 7946 0958\n"), &o, &e, func(string) string { return "" })
	if code != 0 || o.String() != "call [PHONE_1]\n" {
		t.Fatalf("stdin: exit %d, out %q, err %q", code, o.String(), e.String())
	}
}

func TestRedactCmdErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	if err := os.WriteFile(bad, []byte(`{"text":"a"}`+"\n"+`{oops`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.jsonl")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"missing input", []string{"redact", "--input", filepath.Join(dir, "nope.jsonl")}, "--input"},
		{"bad line", []string{"redact", "--input", bad, "--output", out}, "bad.jsonl:2:"},
		{"same file", []string{"redact", "--input", bad, "--output", bad}, "is also the input"},
		{"bad mode", []string{"redact", "--mode", "csv"}, "--mode"},
		{"bad max-line", []string{"redact", "--max-line", "0"}, "--max-line"},
		{"bad jobs", []string{"redact", "--jobs", "-1"}, "--jobs"},
		{"args", []string{"redact", "extra"}, "unknown command"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, nil, c.args...)
			if code != 2 || !strings.Contains(stderr, c.want) {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", code, stderr, c.want)
			}
		})
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("failed run left %s behind (%v)", out, err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*tmp"))
	if len(left) > 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}
