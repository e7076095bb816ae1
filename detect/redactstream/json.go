package redactstream

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"unicode/utf8"

	"github.com/bulwark-ai/bulwark/detect"
)

// rewriteObject redacts the chosen top-level fields of one JSON object,
// copying every other field's bytes unchanged and keeping key order.
func rewriteObject(ctx context.Context, red Redactor, body []byte, fields []string, counts map[string]int) ([]byte, bool, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, false, fmt.Errorf("not a JSON object: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, false, errors.New("not a JSON object")
	}
	all := slices.Contains(fields, "*")
	out := make([]byte, 0, len(body)+64)
	out = append(out, '{')
	changed := false
	vault := detect.NewVault()
	for n := 0; dec.More(); n++ {
		kt, err := dec.Token()
		if err != nil {
			return nil, false, fmt.Errorf("bad JSON: %w", err)
		}
		key, _ := kt.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, false, fmt.Errorf("bad JSON value of %q: %w", key, err)
		}
		if n > 0 {
			out = append(out, ',')
		}
		out = appendString(out, key)
		out = append(out, ':')
		if !all && !slices.Contains(fields, key) {
			out = append(out, raw...)
			continue
		}
		if len(raw) > 0 && raw[0] == '"' {
			// The common case, a string field: no need for the walker.
			var v string
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, false, fmt.Errorf("field %q: %w", key, err)
			}
			r, err := red.RedactWith(ctx, vault, v)
			if err != nil {
				return nil, false, fmt.Errorf("field %q: %w", key, err)
			}
			if len(r.Counts) == 0 {
				out = append(out, raw...) // unchanged: keep the original bytes
				continue
			}
			for k, c := range r.Counts {
				counts[k] += c
			}
			changed = true
			out = appendString(out, r.Text)
			continue
		}
		w := walker{ctx: ctx, red: red, vault: vault, counts: counts}
		nv, err := w.value(raw)
		if err != nil {
			return nil, false, fmt.Errorf("field %q: %w", key, err)
		}
		changed = changed || w.changed
		out = append(out, nv...)
	}
	if _, err := dec.Token(); err != nil {
		return nil, false, fmt.Errorf("bad JSON: %w", err)
	}
	if len(bytes.TrimSpace(body[dec.InputOffset():])) > 0 {
		return nil, false, errors.New("bad JSON: data after the object")
	}
	return append(out, '}'), changed, nil
}

// walker re-encodes one JSON value with every string value (not object
// keys) redacted, keeping key order and numbers as written.
type walker struct {
	ctx     context.Context
	red     Redactor
	vault   *detect.Vault
	counts  map[string]int
	changed bool
}

func (w *walker) value(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	out := make([]byte, 0, len(raw)+16)
	// Per open container: is it an object, how many items so far, and
	// (objects) whether the next token is a key.
	type frame struct {
		object bool
		n      int
		key    bool
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			out = append(out, byte(d))
			if len(stack) > 0 && stack[len(stack)-1].object {
				stack[len(stack)-1].key = true
			}
			continue
		}
		isKey := false
		if len(stack) > 0 {
			f := &stack[len(stack)-1]
			if f.object {
				if f.key {
					if f.n > 0 {
						out = append(out, ',')
					}
					isKey = true
					f.n++
				} else {
					out = append(out, ':')
				}
				f.key = !f.key
			} else {
				if f.n > 0 {
					out = append(out, ',')
				}
				f.n++
			}
		}
		switch v := tok.(type) {
		case json.Delim:
			out = append(out, byte(v))
			stack = append(stack, frame{object: v == '{', key: v == '{'})
			continue
		case string:
			if isKey {
				out = appendString(out, v)
				continue
			}
			r, err := w.red.RedactWith(w.ctx, w.vault, v)
			if err != nil {
				return nil, err
			}
			for k, c := range r.Counts {
				w.counts[k] += c
				w.changed = true
			}
			out = appendString(out, r.Text)
		case json.Number:
			out = append(out, v...)
		case bool:
			if v {
				out = append(out, "true"...)
			} else {
				out = append(out, "false"...)
			}
		case nil:
			out = append(out, "null"...)
		}
		if len(stack) > 0 && stack[len(stack)-1].object && !isKey {
			stack[len(stack)-1].key = true
		}
	}
	return out, nil
}

// appendString appends s as a JSON string: quotes, backslashes and control
// characters escaped, invalid UTF-8 replaced by U+FFFD, U+2028 and U+2029
// escaped as encoding/json does, and no HTML escaping.
func appendString(out []byte, s string) []byte {
	const hex = "0123456789abcdef"
	out = append(out, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				out = append(out, '\\', c)
			case c == '\n':
				out = append(out, '\\', 'n')
			case c == '\r':
				out = append(out, '\\', 'r')
			case c == '\t':
				out = append(out, '\\', 't')
			case c < 0x20:
				out = append(out, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				out = append(out, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			out = append(out, "\\ufffd"...)
		case r == '\u2028' || r == '\u2029':
			out = append(out, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			out = append(out, s[i:i+n]...)
		}
		i += n
	}
	return append(out, '"')
}
