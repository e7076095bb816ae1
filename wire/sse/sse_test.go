package sse

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func readAll(t testing.TB, in string, max int) ([]Event, error) {
	r := NewReader(strings.NewReader(in), max)
	var out []Event
	for {
		ev, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, ev)
	}
}

func TestReader(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Event
	}{
		{"openai", "data: {\"a\":1}\n\ndata: [DONE]\n\n", []Event{{Data: []byte(`{"a":1}`)}, {Data: []byte("[DONE]")}}},
		{"anthropic", "event: ping\ndata: {}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
			[]Event{{Name: "ping", Data: []byte("{}")}, {Name: "message_stop", Data: []byte(`{"type":"message_stop"}`)}}},
		{"crlf and comments", ": keepalive\r\ndata:x\r\ndata: y\r\n\r\n", []Event{{Data: []byte("x\ny")}}},
		{"unterminated last", "data: tail", []Event{{Data: []byte("tail")}}},
		{"blank only", "\n\n\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAll(t, tt.in, 1024)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d events %q, want %d", len(got), got, len(tt.want))
			}
			for i := range got {
				if got[i].Name != tt.want[i].Name || !bytes.Equal(got[i].Data, tt.want[i].Data) {
					t.Errorf("event %d = %q/%q, want %q/%q", i, got[i].Name, got[i].Data, tt.want[i].Name, tt.want[i].Data)
				}
			}
		})
	}
}

func TestReaderBounds(t *testing.T) {
	long := "data: " + strings.Repeat("x", 5000) + "\n\n"
	if _, err := readAll(t, long, 1024); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("long line: err = %v", err)
	}
	many := strings.Repeat("data: "+strings.Repeat("y", 100)+"\n", 20) + "\n"
	if _, err := readAll(t, many, 1024); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("many lines: err = %v", err)
	}
}

func TestRoundTrip(t *testing.T) {
	var b bytes.Buffer
	in := []Event{{Name: "content_block_delta", Data: []byte("{\"x\":\"a\"}")}, {Data: []byte("line1\nline2")}}
	for _, ev := range in {
		if err := Write(&b, ev); err != nil {
			t.Fatal(err)
		}
	}
	got, err := readAll(t, b.String(), 1024)
	if err != nil || len(got) != 2 || got[0].Name != in[0].Name || string(got[1].Data) != "line1\nline2" {
		t.Fatalf("round trip: %q %v", got, err)
	}
}

func FuzzReader(f *testing.F) {
	f.Add("data: {\"a\":1}\n\ndata: [DONE]\n\n")
	f.Add("event: ping\r\ndata: {}\r\n\r\n: c\n")
	f.Add("data")
	f.Add("data: " + strings.Repeat("z", 300))
	f.Fuzz(func(t *testing.T, in string) {
		evs, _ := readAll(t, in, 256)
		for _, ev := range evs {
			if len(ev.Data) > 256 {
				t.Fatalf("event over bound: %d", len(ev.Data))
			}
			var b bytes.Buffer
			if err := Write(&b, ev); err != nil {
				t.Fatal(err)
			}
		}
	})
}
