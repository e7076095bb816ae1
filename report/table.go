package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/bulwark-ai/bulwark/finding"
)

var severityColor = [...]string{
	finding.Info:     "\x1b[37m",
	finding.Low:      "\x1b[36m",
	finding.Medium:   "\x1b[33m",
	finding.High:     "\x1b[31m",
	finding.Critical: "\x1b[1;37;41m",
}

const colorReset = "\x1b[0m"

// WriteTable writes r as an aligned terminal table followed by a summary
// line. Colour codes are written only when color is true.
func WriteTable(w io.Writer, r *finding.Report, color bool) error {
	ew := &errWriter{w: w}
	if len(r.Findings) > 0 {
		tw := tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SEVERITY\tRULE\tLOCATION\tMESSAGE")
		for i := range r.Findings {
			f := &r.Findings[i]
			sev := strings.ToUpper(f.Severity.String())
			if color && f.Severity >= finding.Info && f.Severity <= finding.Critical {
				// Pad before colouring so the codes do not break alignment.
				sev = severityColor[f.Severity] + fmt.Sprintf("%-8s", sev) + colorReset
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", sev, f.RuleID, oneLine(locationString(f.Location), 80), oneLine(f.Message, 120))
		}
		tw.Flush()
		fmt.Fprintln(ew)
	}
	for _, e := range r.Errors {
		fmt.Fprintf(ew, "error: %s\n", oneLine(e, 200))
	}
	summary := r.Summary()
	if r.Suppressed > 0 {
		summary += fmt.Sprintf(" (%d suppressed by baseline)", r.Suppressed)
	}
	fmt.Fprintln(ew, summary)
	return ew.err
}

// oneLine flattens control characters (a hostile file name or message must
// not move the terminal cursor) and cuts s to n bytes.
func oneLine(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
	return finding.Truncate(s, n)
}

// errWriter remembers the first write error so that formatting code can
// write freely and check once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}
