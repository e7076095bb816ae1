package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/bulwark-ai/bulwark/finding"
	"github.com/bulwark-ai/bulwark/report"
)

// reportFlags are the output flags shared by every reporting subcommand.
type reportFlags struct {
	format string
	output string
	failOn string
}

func addReportFlags(cmd *cobra.Command, rf *reportFlags) {
	f := cmd.Flags()
	f.StringVarP(&rf.format, "format", "f", "table", "output format: table, json, sarif, junit, html")
	f.StringVarP(&rf.output, "output", "o", "", "write the report to this file instead of stdout")
	f.StringVar(&rf.failOn, "fail-on", "high", "exit 1 when a finding is at or above this severity (info, low, medium, high, critical, none)")
}

// failThreshold parses --fail-on.
func (rf *reportFlags) failThreshold() (finding.Severity, error) {
	s, err := finding.ParseSeverity(rf.failOn)
	if err != nil {
		return 0, usageError("--fail-on: %v", err)
	}
	return s, nil
}

// emit writes rep in the chosen format and returns errFindings when it holds
// findings at or above --fail-on.
func (a *app) emit(rep *finding.Report, rf *reportFlags) error {
	threshold, err := rf.failThreshold()
	if err != nil {
		return err
	}
	if rep.Finished.IsZero() {
		rep.Finished = time.Now().UTC()
	}
	rep.Sort()
	var w io.Writer = a.stdout
	color := rf.output == "" && isTerminal(a.stdout)
	wr, err := report.New(rf.format, report.Options{Color: color})
	if err != nil {
		return usageError("--format: %v", err)
	}
	if rf.output != "" {
		f, err := os.Create(rf.output)
		if err != nil {
			return &exitErr{code: exitError, err: fmt.Errorf("--output: %w", err)}
		}
		defer f.Close()
		w = f
		if err := wr.Write(w, rep); err != nil {
			return &exitErr{code: exitError, err: fmt.Errorf("write %s: %w", rf.output, err)}
		}
		if err := f.Close(); err != nil {
			return &exitErr{code: exitError, err: fmt.Errorf("write %s: %w", rf.output, err)}
		}
		fmt.Fprintf(a.stderr, "%s; report written to %s\n", rep.Summary(), rf.output)
	} else if err := wr.Write(w, rep); err != nil {
		return &exitErr{code: exitError, err: fmt.Errorf("write report: %w", err)}
	}
	if rep.CountAtLeast(threshold) > 0 {
		return errFindings
	}
	return nil
}
