package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
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
	switch strings.ToLower(format) {
	case "", "table":
		return WriterFunc(func(w io.Writer, r *finding.Report) error { return writeTable(w, r, opts.Color) }), nil
	case "json":
		return WriterFunc(writeJSON), nil
	}
	return nil, fmt.Errorf("unknown format %q (want %s)", format, strings.Join(Formats(), ", "))
}

// Formats lists the format names New accepts.
func Formats() []string {
	f := []string{"table", "json"}
	sort.Strings(f)
	return f
}

func writeJSON(w io.Writer, r *finding.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func writeTable(w io.Writer, r *finding.Report, color bool) error {
	for _, f := range r.Findings {
		loc := f.Location.File
		if f.Location.Member != "" {
			loc += ":" + f.Location.Member
		}
		if _, err := fmt.Fprintf(w, "%-8s %-12s %s %s\n", strings.ToUpper(f.Severity.String()), f.RuleID, loc, f.Message); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintln(w, r.Summary())
	return err
}
