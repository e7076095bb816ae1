package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/bulwark-ai/bulwark/detect"
)

// Object is a decoded JSON object. Numbers stay json.Number so that
// re-encoding does not change them.
type Object = map[string]any

// Decode parses one JSON object from data.
func Decode(data []byte) (Object, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var o Object
	if err := dec.Decode(&o); err != nil {
		return nil, fmt.Errorf("invalid JSON body: %w", err)
	}
	if o == nil {
		return nil, errors.New("invalid JSON body: not an object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("invalid JSON body: trailing data after the object")
	}
	return o, nil
}

// Encode renders o.
func Encode(o Object) []byte {
	b, err := json.Marshal(o)
	if err != nil {
		// Trees built by Decode and by this package always encode.
		panic(fmt.Sprintf("wire: encode: %v", err))
	}
	return b
}

// Segment is one text of a request or response.
type Segment struct {
	// Role is the text's role for detection.
	Role detect.Role
	// Text is the text.
	Text string
	// Set replaces the text in the tree it came from.
	Set func(string)
}

// String returns o[key] when it is a string.
func String(o Object, key string) string {
	s, _ := o[key].(string)
	return s
}

// Bool returns o[key] when it is a bool.
func Bool(o Object, key string) bool {
	b, _ := o[key].(bool)
	return b
}

// Int returns o[key] when it is an integer number.
func Int(o Object, key string) int64 {
	switch v := o[key].(type) {
	case json.Number:
		n, _ := v.Int64()
		return n
	case float64:
		return int64(v)
	}
	return 0
}

// Obj returns o[key] when it is an object.
func Obj(o Object, key string) Object {
	m, _ := o[key].(map[string]any)
	return m
}

// Arr returns o[key] when it is an array.
func Arr(o Object, key string) []any {
	a, _ := o[key].([]any)
	return a
}

// ContentSegments returns the texts of a content value that is a string or
// an array of parts with {"type":"text","text":...}, as OpenAI and
// Anthropic both allow. set replaces a string content.
func ContentSegments(role detect.Role, content any, set func(any)) []Segment {
	switch c := content.(type) {
	case string:
		return []Segment{{Role: role, Text: c, Set: func(s string) { set(s) }}}
	case []any:
		var out []Segment
		for _, p := range c {
			part, ok := p.(map[string]any)
			if !ok {
				continue
			}
			switch String(part, "type") {
			case "text", "input_text", "output_text":
				out = append(out, Segment{Role: role, Text: String(part, "text"), Set: func(s string) { part["text"] = s }})
			}
		}
		return out
	}
	return nil
}

// Join concatenates the texts of segs with blank lines.
func Join(segs []Segment) string {
	var b bytes.Buffer
	for i, s := range segs {
		if i > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(s.Text)
	}
	return b.String()
}

// EstimateTokens approximates a token count from a text length (about
// four bytes per token for English), for rate limits when the provider
// reports no usage.
func EstimateTokens(n int) int64 { return int64(n+3) / 4 }
