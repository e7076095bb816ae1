package wire

import (
	"strings"
	"testing"
)

func TestCheckKeys(t *testing.T) {
	tests := []struct {
		body string
		bad  string
	}{
		{`{"model":"m","messages":[{"role":"user","content":"x"}]}`, ""},
		{`{"model":"m","Messages":[]}`, "Messages"},
		{`{"model":"m","messages":[{"role":"user","content":[{"type":"text","TEXT":"x"}]}]}`, "TEXT"},
		{`{"model":"m","tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"Model":{"type":"string"},"Text":{}}}}}]}`, ""},
		{`{"model":"m","messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":{"Content":"x"}}]}]}`, ""},
		{`{"model":"m","metadata":{"Role":"x"}}`, ""},
		{`{"Temperature":1}`, ""},
	}
	for _, tt := range tests {
		o, err := Decode([]byte(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		err = CheckKeys(o)
		if (tt.bad == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.bad)) {
			t.Errorf("%s: err = %v, want %q", tt.body, err, tt.bad)
		}
	}
	deep := strings.Repeat(`{"a":`, 100) + "1" + strings.Repeat("}", 100)
	o, err := Decode([]byte(deep))
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckKeys(o); err == nil {
		t.Error("100 levels of nesting accepted")
	}
}

func FuzzDecodeCheck(f *testing.F) {
	f.Add([]byte(`{"model":"m","messages":[{"role":"user","content":"x"}]}`))
	f.Add([]byte(`{"Model":1}`))
	f.Add([]byte(`{"a":[[[{"b":null}]]]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := Decode(data)
		if err != nil {
			return
		}
		CheckKeys(o)
		if _, err := Decode(Encode(o)); err != nil {
			t.Fatalf("re-encoded body does not parse: %v", err)
		}
	})
}
