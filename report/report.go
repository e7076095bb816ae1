package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/bulwark-ai/bulwark/finding"
)

// Options tune a writer.
type Options struct {
	// Color enables ANSI colour in the table format (set only for a TTY).
	Color bool
}

// Writer renders one report.
type Writer interface {
	Write(w io.Writer, r *finding.Report) error
}

// WriterFunc adapts a function to Writer.
type WriterFunc func(w io.Writer, r *finding.Report) error

// Write calls f.
func (f WriterFunc) Write(w io.Writer, r *finding.Report) error { return f(w, r) }

// New returns the writer for format: table, json, sarif, junit or html.
func New(format string, opts Options) (Writer, error) {
	switch strings.ToLower(strings.TrimSpace(format)) {
	case "", "table", "text":
		return WriterFunc(func(w io.Writer, r *finding.Report) error { return WriteTable(w, r, opts.Color) }), nil
	case "json":
		return WriterFunc(WriteJSON), nil
	case "sarif":
		return WriterFunc(WriteSARIF), nil
	case "junit", "xml":
		return WriterFunc(WriteJUnit), nil
	case "html":
		return WriterFunc(WriteHTML), nil
	}
	return nil, fmt.Errorf("unknown format %q (want %s)", format, strings.Join(Formats(), ", "))
}

// Formats lists the format names New accepts.
func Formats() []string {
	return []string{"table", "json", "sarif", "junit", "html"}
}

// WriteJSON writes r as indented JSON in the versioned report schema
// (docs/report-schema.md, report/schema/report.schema.json).
func WriteJSON(w io.Writer, r *finding.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// locationString renders a finding's location for humans: file, member,
// line or offset, request id.
func locationString(l finding.Location) string {
	var b strings.Builder
	b.WriteString(finding.JoinMember(l.File, l.Member))
	switch {
	case l.Line > 0:
		fmt.Fprintf(&b, ":%d", l.Line)
	case l.Offset > 0:
		fmt.Fprintf(&b, "@%d", l.Offset)
	}
	if l.RequestID != "" {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		b.WriteString("request " + l.RequestID)
	}
	if b.Len() == 0 {
		return "-"
	}
	return b.String()
}
