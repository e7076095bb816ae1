package anthropic

import (
	"encoding/json"
	"fmt"

	"github.com/bulwark-ai/bulwark/detect"
	"github.com/bulwark-ai/bulwark/wire"
	"github.com/bulwark-ai/bulwark/wire/sse"
)

// RequestSegments returns the texts of a /v1/messages body: the system
// prompt (RoleSystem), user text (RoleUser) and tool results (RoleTool).
// Assistant turns are skipped.
func RequestSegments(body wire.Object) []wire.Segment {
	out := wire.ContentSegments(detect.RoleSystem, body["system"], func(v any) { body["system"] = v })
	for _, m := range wire.Arr(body, "messages") {
		msg, ok := m.(map[string]any)
		if !ok || wire.String(msg, "role") != "user" {
			continue
		}
		switch c := msg["content"].(type) {
		case string:
			out = append(out, wire.Segment{Role: detect.RoleUser, Text: c, Set: func(s string) { msg["content"] = s }})
		case []any:
			for _, b := range c {
				blk, ok := b.(map[string]any)
				if !ok {
					continue
				}
				switch wire.String(blk, "type") {
				case "text":
					out = append(out, wire.Segment{Role: detect.RoleUser, Text: wire.String(blk, "text"), Set: func(s string) { blk["text"] = s }})
				case "tool_result":
					out = append(out, wire.ContentSegments(detect.RoleTool, blk["content"], func(v any) { blk["content"] = v })...)
				case "document":
					if src := wire.Obj(blk, "source"); wire.String(src, "type") == "text" {
						out = append(out, wire.Segment{Role: detect.RoleRetrieved, Text: wire.String(src, "data"), Set: func(s string) { src["data"] = s }})
					}
				}
			}
		}
	}
	return out
}

// ResponseSegments returns the text blocks of a message response.
func ResponseSegments(body wire.Object) []wire.Segment {
	return wire.ContentSegments(detect.RoleResponse, body["content"], func(v any) { body["content"] = v })
}

// Usage returns the input and output tokens a response reports.
func Usage(body wire.Object) (input, output int64) {
	u := wire.Obj(body, "usage")
	return wire.Int(u, "input_tokens"), wire.Int(u, "output_tokens")
}

// BlockedResponse is the standard answer to a blocked request: a message
// whose one text block is message, with stop reason "refusal".
func BlockedResponse(id, model, message string) []byte {
	return wire.Encode(wire.Object{
		"id": id, "type": "message", "role": "assistant", "model": model,
		"content":       []any{map[string]any{"type": "text", "text": message}},
		"stop_reason":   "refusal",
		"stop_sequence": nil,
		"usage":         map[string]any{"input_tokens": 0, "output_tokens": 0},
	})
}

// Error renders an error body in the Anthropic format.
func Error(message, typ string) []byte {
	return wire.Encode(wire.Object{"type": "error", "error": map[string]any{"type": typ, "message": message}})
}

// NewID returns a message id for the gateway's own answers.
func NewID(n uint64) string { return fmt.Sprintf("msg_bulwark_%x", n) }

// Stream follows one streamed message: it extracts and replaces text
// deltas and writes a well-formed end when the gateway cuts the stream.
type Stream struct {
	started   bool
	openBlock int // index of the open content block, -1 when none
	openText  bool
	nextBlock int
	outTokens int64
	model     string
}

// NewStream returns a Stream for one response.
func NewStream(model string) *Stream { return &Stream{openBlock: -1, model: model} }

type event struct {
	Type         string `json:"type"`
	Index        int    `json:"index"`
	ContentBlock struct {
		Type string `json:"type"`
	} `json:"content_block"`
	Delta struct {
		Type string  `json:"type"`
		Text *string `json:"text"`
	} `json:"delta"`
	Usage struct {
		OutputTokens int64 `json:"output_tokens"`
	} `json:"usage"`
}

// Text returns the text a content_block_delta carries. Keys are matched
// exactly, as WithText replaces them.
func (s *Stream) Text(ev sse.Event) (string, bool) {
	o, err := wire.Decode(ev.Data)
	if err != nil || wire.String(o, "type") != "content_block_delta" {
		return "", false
	}
	d := wire.Obj(o, "delta")
	if wire.String(d, "type") != "text_delta" {
		return "", false
	}
	t, ok := d["text"].(string)
	return t, ok
}

// WithText returns ev with its text replaced.
func (s *Stream) WithText(ev sse.Event, text string) sse.Event {
	o, err := wire.Decode(ev.Data)
	if err != nil {
		return ev
	}
	if d := wire.Obj(o, "delta"); d != nil {
		d["text"] = text
	}
	return sse.Event{Name: ev.Name, Data: wire.Encode(o)}
}

// IsEnd reports whether ev ends the stream (message_stop).
func (s *Stream) IsEnd(ev sse.Event) bool {
	var e event
	return json.Unmarshal(ev.Data, &e) == nil && e.Type == "message_stop"
}

// Observe tracks the events sent to the client, so that Cut closes what is open.
func (s *Stream) Observe(ev sse.Event) {
	var e event
	if json.Unmarshal(ev.Data, &e) != nil {
		return
	}
	switch e.Type {
	case "message_start":
		s.started = true
	case "content_block_start":
		s.openBlock = e.Index
		s.openText = e.ContentBlock.Type == "text"
		s.nextBlock = e.Index + 1
	case "content_block_stop":
		s.openBlock = -1
	case "message_delta":
		s.outTokens = e.Usage.OutputTokens
	}
}

func mk(name string, o wire.Object) sse.Event {
	o["type"] = name
	return sse.Event{Name: name, Data: wire.Encode(o)}
}

// TextEvent returns a text delta for the open block (or block 0).
func (s *Stream) TextEvent(text string) sse.Event {
	idx := s.openBlock
	if idx < 0 {
		idx = 0
	}
	return mk("content_block_delta", wire.Object{"index": idx, "delta": map[string]any{"type": "text_delta", "text": text}})
}

// Cut returns the events that end a cut stream: message as text in the
// open block (or a new one), the block's stop, a message_delta with stop
// reason "refusal", and message_stop.
func (s *Stream) Cut(message string) []sse.Event {
	var out []sse.Event
	if !s.started {
		out = append(out, mk("message_start", wire.Object{"message": map[string]any{
			"id": "msg_bulwark", "type": "message", "role": "assistant", "model": s.model, "content": []any{},
			"stop_reason": nil, "stop_sequence": nil, "usage": map[string]any{"input_tokens": 0, "output_tokens": 0},
		}}))
	}
	idx := s.openBlock
	if idx >= 0 && !s.openText {
		// A tool_use or thinking block cannot take text: close it first.
		out = append(out, mk("content_block_stop", wire.Object{"index": idx}))
		idx = -1
	}
	if idx < 0 {
		idx = s.nextBlock
		out = append(out, mk("content_block_start", wire.Object{"index": idx, "content_block": map[string]any{"type": "text", "text": ""}}))
	}
	out = append(out,
		mk("content_block_delta", wire.Object{"index": idx, "delta": map[string]any{"type": "text_delta", "text": message}}),
		mk("content_block_stop", wire.Object{"index": idx}),
		mk("message_delta", wire.Object{"delta": map[string]any{"stop_reason": "refusal", "stop_sequence": nil}, "usage": map[string]any{"output_tokens": s.outTokens}}),
		mk("message_stop", wire.Object{}),
	)
	return out
}
