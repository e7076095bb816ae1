package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/bulwark-ai/bulwark/finding"
)

// JUnit XML as CI systems (Jenkins, GitLab, GitHub test reporters) read it.
// The types below are the one JUnit model of the project: WriteJUnit maps a
// findings report onto it (one failed test case per finding, one passed case
// per target without findings, one errored case per input that could not be
// examined), and other parts (the red-team summary, evaluation suites) build
// their own suites and write them with WriteJUnitSuites.

// JUnitSuites is the document root.
type JUnitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []JUnitSuite `xml:"testsuite"`
}

// JUnitSuite is one test suite. WriteJUnitSuites fills in the counts.
type JUnitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []JUnitProperty `xml:"properties>property,omitempty"`
	Cases      []JUnitCase     `xml:"testcase"`
}

// JUnitProperty is a name/value pair attached to a suite.
type JUnitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// JUnitCase is one test case: passed when Failure, Error and Skipped are nil.
type JUnitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *JUnitProblem `xml:"failure,omitempty"`
	Error     *JUnitProblem `xml:"error,omitempty"`
	Skipped   *JUnitProblem `xml:"skipped,omitempty"`
	// SystemOut carries output worth keeping with the case (e.g. a model's answer).
	SystemOut string `xml:"system-out,omitempty"`
}

// JUnitProblem explains a failure, error or skip.
type JUnitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Body    string `xml:",chardata"`
}

// WriteJUnitSuites writes suites under one <testsuites> root named name
// (elapsed is the total time in seconds, e.g. "1.500"),
// computing every count and stripping characters XML 1.0 cannot carry.
func WriteJUnitSuites(w io.Writer, name, elapsed string, suites ...JUnitSuite) error {
	doc := JUnitSuites{Name: name, Time: elapsed}
	for i := range suites {
		s := &suites[i]
		s.Tests, s.Failures, s.Errors, s.Skipped = len(s.Cases), 0, 0, 0
		for j := range s.Cases {
			c := &s.Cases[j]
			c.Name, c.Classname, c.SystemOut = xmlSafe(c.Name), xmlSafe(c.Classname), xmlSafe(c.SystemOut)
			for _, p := range []*JUnitProblem{c.Failure, c.Error, c.Skipped} {
				if p != nil {
					p.Message, p.Body = xmlSafe(p.Message), xmlSafe(p.Body)
				}
			}
			switch {
			case c.Failure != nil:
				s.Failures++
			case c.Error != nil:
				s.Errors++
			case c.Skipped != nil:
				s.Skipped++
			}
			if c.Time == "" {
				c.Time = "0"
			}
		}
		if s.Time == "" {
			s.Time = "0"
		}
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
	}
	if doc.Time == "" {
		doc.Time = "0"
	}
	doc.Suites = suites
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// WriteJUnit writes r as JUnit XML.
func WriteJUnit(w io.Writer, r *finding.Report) error {
	dur := "0"
	if !r.Started.IsZero() && !r.Finished.IsZero() {
		dur = fmt.Sprintf("%.3f", r.Finished.Sub(r.Started).Seconds())
	}
	suite := JUnitSuite{
		Name: "bulwark " + r.Command,
		Time: dur,
		Properties: []JUnitProperty{
			{Name: "bulwark.version", Value: r.Version},
			{Name: "bulwark.summary", Value: r.Summary()},
		},
	}
	if !r.Started.IsZero() {
		suite.Timestamp = r.Started.UTC().Format(time.RFC3339)
	}
	hit := map[string]bool{}
	for i := range r.Findings {
		f := &r.Findings[i]
		class := f.Location.File
		if class == "" {
			class = f.Location.RequestID
		}
		if class == "" {
			class = r.Command
		}
		hit[f.Location.File] = true
		body := fmt.Sprintf("%s\nrule: %s (%s)\nseverity: %s, confidence %.2f\nlocation: %s",
			f.Message, f.RuleID, f.Title, f.Severity, f.Confidence, locationString(f.Location))
		if f.Evidence != "" {
			body += "\nevidence: " + f.Evidence
		}
		if f.Remediation != "" {
			body += "\nremediation: " + f.Remediation
		}
		if refs := taxonomyRefs(f.Taxonomy); refs != "" {
			body += "\nreferences: " + refs
		}
		suite.Cases = append(suite.Cases, JUnitCase{
			Name:      f.RuleID + " " + locationString(f.Location),
			Classname: class,
			Failure:   &JUnitProblem{Message: f.Title + ": " + f.Message, Type: f.Severity.String(), Body: body},
		})
	}
	targets := append([]string(nil), r.Targets...)
	sort.Strings(targets)
	for _, t := range targets {
		if hit[t] {
			continue
		}
		suite.Cases = append(suite.Cases, JUnitCase{Name: "no findings: " + t, Classname: t})
	}
	for _, e := range r.Errors {
		suite.Cases = append(suite.Cases, JUnitCase{
			Name: "error", Classname: r.Command,
			Error: &JUnitProblem{Message: e, Type: "error", Body: e},
		})
	}
	if len(suite.Cases) == 0 {
		suite.Cases = append(suite.Cases, JUnitCase{Name: "no findings", Classname: r.Command})
	}
	return WriteJUnitSuites(w, "bulwark", dur, suite)
}

// taxonomyRefs joins the OWASP, ATLAS and CWE ids of t.
func taxonomyRefs(t finding.Taxonomy) string {
	var refs []string
	refs = append(refs, t.OWASPLLM...)
	refs = append(refs, t.ATLAS...)
	refs = append(refs, t.CWE...)
	return strings.Join(refs, ", ")
}

// xmlSafe drops characters XML 1.0 cannot carry at all (most C0 controls),
// which encoding/xml would otherwise escape into invalid character references.
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF || (r >= 0xD800 && r <= 0xDFFF):
			return -1
		}
		return r
	}, s)
}
