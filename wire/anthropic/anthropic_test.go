package anthropic

import (
	"strings"
	"testing"

	"github.com/bulwark-ai/bulwark/detect"
	"github.com/bulwark-ai/bulwark/wire"
	"github.com/bulwark-ai/bulwark/wire/sse"
)

func TestRequestSegments(t *testing.T) {
	o, err := wire.Decode([]byte(`{"model":"c","system":[{"type":"text","text":"sys"}],"messages":[
		{"role":"user","content":"q1"},
		{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":{}}]},
		{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"result text"},
			{"type":"document","source":{"type":"text","media_type":"text/plain","data":"doc body"}},
			{"type":"text","text":"q2"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	segs := RequestSegments(o)
	want := []struct {
		role detect.Role
		text string
	}{{detect.RoleSystem, "sys"}, {detect.RoleUser, "q1"}, {detect.RoleTool, "result text"}, {detect.RoleRetrieved, "doc body"}, {detect.RoleUser, "q2"}}
	if len(segs) != len(want) {
		t.Fatalf("segments = %+v", segs)
	}
	for i, w := range want {
		if segs[i].Role != w.role || segs[i].Text != w.text {
			t.Errorf("segment %d = %v %q", i, segs[i].Role, segs[i].Text)
		}
		segs[i].Set("X" + w.text)
	}
	out := string(wire.Encode(o))
	for _, w := range want {
		if !strings.Contains(out, "X"+w.text) {
			t.Errorf("Set lost for %q: %s", w.text, out)
		}
	}
}

func TestStreamCut(t *testing.T) {
	s := NewStream("claude")
	// Nothing sent yet: the cut is a complete message.
	evs := s.Cut("no")
	names := []string{}
	for _, e := range evs {
		names = append(names, e.Name)
	}
	if strings.Join(names, ",") != "message_start,content_block_start,content_block_delta,content_block_stop,message_delta,message_stop" {
		t.Fatalf("cut from scratch = %v", names)
	}
	s = NewStream("claude")
	s.Observe(sse.Event{Data: []byte(`{"type":"message_start","message":{}}`)})
	s.Observe(sse.Event{Data: []byte(`{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`)})
	evs = s.Cut("no")
	if len(evs) != 4 || evs[0].Name != "content_block_delta" || !strings.Contains(string(evs[2].Data), `"refusal"`) || !s.IsEnd(evs[3]) {
		t.Fatalf("cut in block = %q", evs)
	}
	// Cut inside a tool_use block: the block is closed, a text block opened.
	tu := NewStream("claude")
	tu.Observe(sse.Event{Data: []byte(`{"type":"message_start","message":{}}`)})
	tu.Observe(sse.Event{Data: []byte(`{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"t","name":"f","input":{}}}`)})
	evs = tu.Cut("no")
	names = names[:0]
	for _, e := range evs {
		names = append(names, e.Name)
	}
	if strings.Join(names, ",") != "content_block_stop,content_block_start,content_block_delta,content_block_stop,message_delta,message_stop" || !strings.Contains(string(evs[1].Data), `"index":2`) {
		t.Fatalf("cut in tool_use = %v %q", names, evs[1].Data)
	}
	d := sse.Event{Name: "content_block_delta", Data: []byte(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}`)}
	if txt, ok := s.Text(d); !ok || txt != "hi" {
		t.Fatalf("text %q", txt)
	}
	if txt, _ := s.Text(s.WithText(d, "yo")); txt != "yo" {
		t.Fatalf("WithText %q", txt)
	}
}

func FuzzRequestSegments(f *testing.F) {
	f.Add([]byte(`{"system":"s","messages":[{"role":"user","content":[{"type":"tool_result","content":[{"type":"text","text":"x"}]}]}]}`))
	f.Add([]byte(`{"messages":[{"role":"user","content":[null,{"type":"document","source":null}]}]}`))
	f.Add([]byte(`{"content":[{"type":"text","text":"a"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := wire.Decode(data)
		if err != nil {
			return
		}
		for _, s := range RequestSegments(o) {
			s.Set(s.Text + "!")
		}
		for _, s := range ResponseSegments(o) {
			s.Set("")
		}
		st := NewStream("m")
		st.Observe(sse.Event{Data: data})
		st.Text(sse.Event{Data: data})
		st.Cut("x")
		if _, err := wire.Decode(wire.Encode(o)); err != nil {
			t.Fatal(err)
		}
	})
}
