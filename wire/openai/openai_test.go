package openai

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-ai/bulwark/detect"
	"github.com/bulwark-ai/bulwark/wire"
	"github.com/bulwark-ai/bulwark/wire/sse"
)

func TestRequestSegments(t *testing.T) {
	body := `{"model":"m","temperature":0.12345678901234567,"messages":[
		{"role":"system","content":"sys"},
		{"role":"user","content":[{"type":"text","text":"part1"},{"type":"image_url","image_url":{"url":"x"}},{"type":"text","text":"part2"}]},
		{"role":"assistant","content":"old answer","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},
		{"role":"tool","tool_call_id":"c1","content":"tool output"}]}`
	o, err := wire.Decode([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	segs := RequestSegments(Chat, o)
	want := []struct {
		role detect.Role
		text string
	}{{detect.RoleSystem, "sys"}, {detect.RoleUser, "part1"}, {detect.RoleUser, "part2"}, {detect.RoleTool, "tool output"}}
	if len(segs) != len(want) {
		t.Fatalf("segments = %+v", segs)
	}
	for i, w := range want {
		if segs[i].Role != w.role || segs[i].Text != w.text {
			t.Errorf("segment %d = %v %q", i, segs[i].Role, segs[i].Text)
		}
	}
	segs[1].Set("[EMAIL_1]")
	segs[3].Set("clean")
	out := string(wire.Encode(o))
	for _, s := range []string{"[EMAIL_1]", "clean", "0.12345678901234567", "image_url", "tool_calls"} {
		if !strings.Contains(out, s) {
			t.Errorf("re-encoded body lost %q: %s", s, out)
		}
	}
	o2, _ := wire.Decode([]byte(`{"model":"m","prompt":["a","b"]}`))
	if s := RequestSegments(Completions, o2); len(s) != 2 || s[1].Text != "b" {
		t.Errorf("completions prompt: %+v", s)
	}
	o3, _ := wire.Decode([]byte(`{"model":"m","input":"vec"}`))
	if s := RequestSegments(Embeddings, o3); len(s) != 1 || s[0].Text != "vec" {
		t.Errorf("embeddings input: %+v", s)
	}
}

func TestBlockedAndCut(t *testing.T) {
	var r struct {
		Choices []struct {
			FinishReason string                   `json:"finish_reason"`
			Message      struct{ Content string } `json:"message"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(BlockedResponse(Chat, "id", "m", "no", nowForTest), &r); err != nil || r.Choices[0].FinishReason != "content_filter" || r.Choices[0].Message.Content != "no" {
		t.Fatalf("blocked: %+v %v", r, err)
	}
	s := &Stream{Endpoint: Chat}
	ev := sse.Event{Data: []byte(`{"id":"c1","model":"m","created":5,"choices":[{"index":0,"delta":{"content":"hi"}}]}`)}
	if txt, ok := s.Text(ev); !ok || txt != "hi" {
		t.Fatalf("text = %q %v", txt, ok)
	}
	if txt, _ := s.Text(s.WithText(ev, "yo")); txt != "yo" {
		t.Fatalf("WithText: %q", txt)
	}
	cut := s.Cut("stop")
	if len(cut) != 2 || !s.IsEnd(cut[1]) || !strings.Contains(string(cut[0].Data), `"finish_reason":"content_filter"`) || !strings.Contains(string(cut[0].Data), `"id":"c1"`) {
		t.Fatalf("cut = %q", cut)
	}
}

func FuzzStreamChunk(f *testing.F) {
	f.Add([]byte(`{"id":"c1","choices":[{"index":0,"delta":{"content":"hi"}}]}`))
	f.Add([]byte(`{"choices":[{"text":"x"}]}`))
	f.Add([]byte(`{"choices":[]}`))
	f.Add([]byte(`[DONE]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, e := range []Endpoint{Chat, Completions} {
			s := &Stream{Endpoint: e}
			ev := sse.Event{Data: data}
			if _, ok := s.Text(ev); ok {
				out := s.WithText(ev, "z")
				if txt, ok := s.Text(out); !ok || txt != "z" {
					t.Fatalf("WithText round trip: %q", out.Data)
				}
			}
			s.Cut("m")
		}
	})
}

func FuzzRequestSegments(f *testing.F) {
	f.Add([]byte(`{"model":"m","messages":[{"role":"user","content":"hi"},{"role":"tool","content":[{"type":"text","text":"t"}]}]}`))
	f.Add([]byte(`{"model":"m","prompt":["a",1,null]}`))
	f.Add([]byte(`{"messages":[null,1,{"role":"user"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := wire.Decode(data)
		if err != nil {
			return
		}
		for _, e := range []Endpoint{Chat, Completions, Embeddings} {
			for _, s := range RequestSegments(e, o) {
				s.Set(s.Text + "!")
			}
			ResponseSegments(e, o)
		}
		if _, err := wire.Decode(wire.Encode(o)); err != nil {
			t.Fatalf("re-encoded body does not parse: %v", err)
		}
	})
}

var nowForTest = time.Unix(1700000000, 0)
