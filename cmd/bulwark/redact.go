package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/bulwark-ai/bulwark/detect/redactstream"
)

func newRedactCmd(a *app) *cobra.Command {
	var (
		input, output, mode string
		fields              []string
		maxLine, jobs       int
	)
	cmd := &cobra.Command{
		Use:   "redact [--input FILE] [--field NAME]... [--output FILE]",
		Short: "Replace PII and secrets in text or a JSONL dataset",
		Long: `Redact streams plain text or JSON Lines (from --input or stdin) and writes
the same data with personal data and secrets replaced by typed placeholders
such as [EMAIL_1], [CARD_1], [AWS_KEY_1]. In JSON Lines only the chosen
fields are rewritten (default "text"; "*" for all; an array or object field
has every string inside it redacted); other fields and key order are kept.
Lines are redacted on all cores (--jobs) and written in input order. Memory
use is bounded whatever the input size: lines longer than --max-line are an
error naming the line. A summary of what was replaced goes to stderr.

  bulwark redact --input train.jsonl --field prompt --field response --output clean.jsonl
  cat notes.txt | bulwark redact > notes.redacted.txt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if maxLine <= 0 {
				return usageError("--max-line: must be positive, got %d", maxLine)
			}
			if jobs < 0 {
				return usageError("--jobs: must be 0 (all cores) or more, got %d", jobs)
			}
			switch redactstream.Mode(mode) {
			case redactstream.ModeAuto, redactstream.ModeJSONL, redactstream.ModeText:
			default:
				return usageError("--mode: %q is not auto, jsonl or text", mode)
			}
			eng, err := a.engine()
			if err != nil {
				return err
			}
			var in io.Reader = a.stdin
			name := "stdin"
			if input != "" && input != "-" {
				f, err := os.Open(input)
				if err != nil {
					return &exitErr{code: exitError, err: fmt.Errorf("--input: %w", err)}
				}
				defer f.Close()
				in, name = f, input
			}
			out, commit, err := openOutput(a, input, output)
			if err != nil {
				return err
			}
			sum, err := redactstream.Stream(cmd.Context(), eng, in, out,
				redactstream.Options{Name: name, Mode: redactstream.Mode(mode), Fields: fields, MaxLine: maxLine, Workers: jobs})
			if cerr := commit(err == nil); err == nil {
				err = cerr
			}
			if err != nil {
				return &exitErr{code: exitError, err: fmt.Errorf("redact: %w", err)}
			}
			fmt.Fprintf(a.stderr, "redact: %s\n", sum)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&input, "input", "i", "", "file to read (default stdin)")
	f.StringVarP(&output, "output", "o", "", "file to write (default stdout); written only when the whole input succeeds")
	f.StringArrayVar(&fields, "field", nil, `JSON field to redact, repeatable ("*" for all; default "text")`)
	f.StringVar(&mode, "mode", "auto", "input kind: auto, jsonl or text")
	f.IntVar(&maxLine, "max-line", redactstream.DefaultMaxLine, "longest line accepted, in bytes")
	f.IntVarP(&jobs, "jobs", "j", 0, "lines redacted at once (0: all cores); output keeps input order")
	return cmd
}

// openOutput returns where redacted data goes and a function that finishes
// it: for a file, data goes to a temporary file in the same directory that
// replaces the target only on success, so a failed run leaves nothing
// half-written.
func openOutput(a *app, input, output string) (io.Writer, func(ok bool) error, error) {
	if output == "" || output == "-" {
		return a.stdout, func(bool) error { return nil }, nil
	}
	if input != "" && input != "-" {
		ai, err1 := filepath.Abs(input)
		ao, err2 := filepath.Abs(output)
		if err1 == nil && err2 == nil && ai == ao {
			return nil, nil, usageError("--output: %s is also the input; write to another file", output)
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(output), "."+filepath.Base(output)+".*.tmp")
	if err != nil {
		return nil, nil, &exitErr{code: exitError, err: fmt.Errorf("--output: %w", err)}
	}
	commit := func(ok bool) error {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
			return nil
		}
		if err := tmp.Close(); err != nil {
			os.Remove(tmp.Name())
			return fmt.Errorf("write %s: %w", output, err)
		}
		if err := os.Rename(tmp.Name(), output); err != nil {
			os.Remove(tmp.Name())
			return fmt.Errorf("write %s: %w", output, err)
		}
		return nil
	}
	return tmp, commit, nil
}
