package redactstream

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/bulwark-ai/bulwark/detect"
)

// Redactor replaces personal data and secrets in a text, issuing
// placeholders from vault. *detect.Engine implements it. Stream uses one
// vault per line, so the fields of one record share placeholders and memory
// stays bounded.
type Redactor interface {
	RedactWith(ctx context.Context, vault *detect.Vault, text string) (detect.RedactResult, error)
}

// Mode says how input lines are read.
type Mode string

// The modes.
const (
	ModeAuto  Mode = "auto"  // JSON Lines when the first non-blank line starts with '{', else text
	ModeJSONL Mode = "jsonl" // every non-blank line is a JSON object
	ModeText  Mode = "text"  // every line is plain text
)

// DefaultMaxLine is the longest line Stream accepts unless told otherwise.
const DefaultMaxLine = 16 << 20

// Options configure Stream.
type Options struct {
	// Name names the input in errors ("data.jsonl", "stdin").
	Name string
	// Mode chooses how lines are read; empty means ModeAuto.
	Mode Mode
	// Fields are the top-level JSON fields to rewrite (a string field is
	// redacted, an array or object field has every string inside it
	// redacted); "*" means every field. Empty means "text".
	Fields []string
	// MaxLine bounds the length of one line in bytes; 0 means DefaultMaxLine.
	MaxLine int
}

// Summary counts what Stream did.
type Summary struct {
	// Lines read, blank ones included.
	Lines int
	// Changed is how many lines had something replaced.
	Changed int
	// Counts per type of the values replaced.
	Counts map[string]int
	// Mode is the mode used (auto resolved).
	Mode Mode
}

// Total is the number of values replaced.
func (s Summary) Total() int {
	n := 0
	for _, c := range s.Counts {
		n += c
	}
	return n
}

// String is a one-line summary, types sorted by name.
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d lines (%s), %d changed, %d values replaced", s.Lines, s.Mode, s.Changed, s.Total())
	for i, k := range slices.Sorted(maps.Keys(s.Counts)) {
		if i == 0 {
			b.WriteString(":")
		} else {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, " %s %d", k, s.Counts[k])
	}
	return b.String()
}

// ErrLineTooLong is wrapped by the error Stream returns for a line over
// Options.MaxLine.
var ErrLineTooLong = errors.New("line too long")

// Stream copies r to w with personal data and secrets replaced, one line at
// a time. Memory use is bounded by MaxLine whatever the input size. Errors
// name the input and the line number.
func Stream(ctx context.Context, red Redactor, r io.Reader, w io.Writer, opt Options) (Summary, error) {
	if opt.Name == "" {
		opt.Name = "input"
	}
	if opt.MaxLine <= 0 {
		opt.MaxLine = DefaultMaxLine
	}
	if len(opt.Fields) == 0 {
		opt.Fields = []string{"text"}
	}
	mode := opt.Mode
	if mode == "" {
		mode = ModeAuto
	}
	switch mode {
	case ModeAuto, ModeJSONL, ModeText:
	default:
		return Summary{}, fmt.Errorf("mode %q is not auto, jsonl or text", mode)
	}
	sum := Summary{Counts: map[string]int{}, Mode: mode}
	br := bufio.NewReaderSize(r, 64<<10)
	bw := bufio.NewWriterSize(w, 64<<10)
	var line []byte
	for {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		var err error
		line, err = readLine(br, line[:0], opt.MaxLine)
		if errors.Is(err, io.EOF) && len(line) == 0 {
			break
		}
		if err != nil && !errors.Is(err, io.EOF) {
			if errors.Is(err, ErrLineTooLong) {
				return sum, fmt.Errorf("%s:%d: %w (more than %d bytes)", opt.Name, sum.Lines+1, err, opt.MaxLine)
			}
			return sum, fmt.Errorf("%s:%d: read: %w", opt.Name, sum.Lines+1, err)
		}
		sum.Lines++
		body, nl := splitEOL(line)
		if sum.Mode == ModeAuto && len(bytes.TrimSpace(body)) > 0 {
			sum.Mode = ModeText
			if bytes.TrimSpace(body)[0] == '{' {
				sum.Mode = ModeJSONL
			}
		}
		out, changed, rerr := rewriteLine(ctx, red, sum.Mode, body, opt.Fields, sum.Counts)
		if rerr != nil {
			return sum, fmt.Errorf("%s:%d: %w", opt.Name, sum.Lines, rerr)
		}
		if changed {
			sum.Changed++
		}
		if _, err := bw.Write(out); err != nil {
			return sum, fmt.Errorf("write: %w", err)
		}
		if _, err := bw.Write(nl); err != nil {
			return sum, fmt.Errorf("write: %w", err)
		}
		if errors.Is(err, io.EOF) {
			break
		}
	}
	if sum.Mode == ModeAuto {
		sum.Mode = ModeText
	}
	if err := bw.Flush(); err != nil {
		return sum, fmt.Errorf("write: %w", err)
	}
	return sum, nil
}

// readLine appends the next line (with its newline, if any) to buf,
// refusing lines longer than max.
func readLine(br *bufio.Reader, buf []byte, max int) ([]byte, error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if len(buf)+len(chunk) > max+2 { // +2: room for "\r\n"
			return buf, ErrLineTooLong
		}
		buf = append(buf, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if len(bytes.TrimRight(buf, "\r\n")) > max {
			return buf, ErrLineTooLong
		}
		return buf, err
	}
}

// splitEOL splits a line into its body and its line ending ("\n", "\r\n", "").
func splitEOL(line []byte) ([]byte, []byte) {
	n := len(line)
	if n > 0 && line[n-1] == '\n' {
		if n > 1 && line[n-2] == '\r' {
			return line[:n-2], line[n-2:]
		}
		return line[:n-1], line[n-1:]
	}
	return line, nil
}

// rewriteLine redacts one line body.
func rewriteLine(ctx context.Context, red Redactor, mode Mode, body []byte, fields []string, counts map[string]int) ([]byte, bool, error) {
	if mode == ModeText {
		r, err := red.RedactWith(ctx, detect.NewVault(), string(body))
		if err != nil {
			return nil, false, err
		}
		for k, v := range r.Counts {
			counts[k] += v
		}
		return []byte(r.Text), len(r.Counts) > 0, nil
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return body, false, nil
	}
	return rewriteObject(ctx, red, body, fields, counts)
}
