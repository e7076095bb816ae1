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

// JUnit XML as CI systems (Jenkins, GitLab, GitHub test reporters) read it:
// one test suite per report; one failed test case per finding, one passed
// test case per target without findings, one errored test case per input
// that could not be examined.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

// WriteJUnit writes r as JUnit XML.
func WriteJUnit(w io.Writer, r *finding.Report) error {
	dur := "0"
	if !r.Started.IsZero() && !r.Finished.IsZero() {
		dur = fmt.Sprintf("%.3f", r.Finished.Sub(r.Started).Seconds())
	}
	suite := junitSuite{
		Name: "bulwark " + r.Command,
		Time: dur,
		Properties: []junitProperty{
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
		suite.Cases = append(suite.Cases, junitCase{
			Name:      f.RuleID + " " + locationString(f.Location),
			Classname: class,
			Time:      "0",
			Failure:   &junitProblem{Message: xmlSafe(f.Title + ": " + f.Message), Type: f.Severity.String(), Body: xmlSafe(body)},
		})
	}
	targets := append([]string(nil), r.Targets...)
	sort.Strings(targets)
	for _, t := range targets {
		if hit[t] {
			continue
		}
		suite.Cases = append(suite.Cases, junitCase{Name: "no findings: " + t, Classname: t, Time: "0"})
	}
	for _, e := range r.Errors {
		suite.Cases = append(suite.Cases, junitCase{
			Name: "error", Classname: r.Command, Time: "0",
			Error: &junitProblem{Message: xmlSafe(e), Type: "error", Body: xmlSafe(e)},
		})
	}
	if len(suite.Cases) == 0 {
		suite.Cases = append(suite.Cases, junitCase{Name: "no findings", Classname: r.Command, Time: "0"})
	}
	suite.Tests = len(suite.Cases)
	suite.Failures = len(r.Findings)
	suite.Errors = len(r.Errors)
	doc := junitSuites{Name: "bulwark", Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors, Time: dur, Suites: []junitSuite{suite}}
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
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF:
			return -1
		}
		return r
	}, s)
}
