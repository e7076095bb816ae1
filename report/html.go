package report

import (
	"embed"
	"html/template"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/bulwark-ai/bulwark/finding"
)

//go:embed templates/report.html.tmpl
var templateFS embed.FS

// htmlTemplate is parsed once; it is read-only after that.
var htmlTemplate = template.Must(template.ParseFS(templateFS, "templates/report.html.tmpl"))

type htmlKV struct{ K, V string }

type htmlCount struct {
	Name string
	N    int
	Pct  string
}

type htmlFinding struct {
	finding.Finding
	Severity string
	Loc      string
	Refs     string
	Props    []htmlKV
}

type htmlData struct {
	R        *finding.Report
	Summary  string
	Started  string
	Duration string
	Total    int
	Counts   []htmlCount
	Stats    []htmlKV
	Findings []htmlFinding
}

// WriteHTML writes r as one self-contained HTML page: inline CSS and script,
// a Content-Security-Policy that forbids loading anything, every value
// escaped by html/template.
func WriteHTML(w io.Writer, r *finding.Report) error {
	d := htmlData{R: r, Summary: r.Summary(), Total: len(r.Findings)}
	if !r.Started.IsZero() {
		d.Started = r.Started.UTC().Format(time.RFC1123)
		if !r.Finished.IsZero() {
			d.Duration = r.Finished.Sub(r.Started).Round(time.Millisecond).String()
		}
	}
	counts := r.CountBySeverity()
	for s := finding.Critical; s >= finding.Info; s-- {
		c := htmlCount{Name: s.String(), N: counts[s], Pct: "0"}
		if d.Total > 0 {
			c.Pct = strconv.FormatFloat(100*float64(c.N)/float64(d.Total), 'f', 2, 64)
		}
		d.Counts = append(d.Counts, c)
	}
	for k, v := range r.Stats {
		d.Stats = append(d.Stats, htmlKV{K: k, V: strconv.FormatInt(v, 10)})
	}
	sort.Slice(d.Stats, func(i, j int) bool { return d.Stats[i].K < d.Stats[j].K })
	for i := range r.Findings {
		f := r.Findings[i]
		hf := htmlFinding{Finding: f, Severity: f.Severity.String(), Loc: locationString(f.Location), Refs: taxonomyRefs(f.Taxonomy)}
		for k, v := range f.Properties {
			hf.Props = append(hf.Props, htmlKV{K: k, V: v})
		}
		sort.Slice(hf.Props, func(i, j int) bool { return hf.Props[i].K < hf.Props[j].K })
		d.Findings = append(d.Findings, hf)
	}
	return htmlTemplate.Execute(w, d)
}
