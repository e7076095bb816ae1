package summary

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/bulwark-ai/bulwark/redteam/probe"
	"github.com/bulwark-ai/bulwark/redteam/results"
)

type jSuites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Name     string   `xml:"name,attr"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Suites   []jSuite `xml:"testsuite"`
}

type jSuite struct {
	Name     string  `xml:"name,attr"`
	Tests    int     `xml:"tests,attr"`
	Failures int     `xml:"failures,attr"`
	Errors   int     `xml:"errors,attr"`
	Cases    []jCase `xml:"testcase"`
}

type jCase struct {
	Name      string    `xml:"name,attr"`
	Classname string    `xml:"classname,attr"`
	Time      string    `xml:"time,attr"`
	Failure   *jProblem `xml:"failure,omitempty"`
	Error     *jProblem `xml:"error,omitempty"`
}

type jProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

// xmlText drops characters XML 1.0 cannot carry.
func xmlText(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF) {
			return r
		}
		return -1
	}, s)
}

// WriteJUnit writes one JUnit test per probe attacked in the run: it fails
// when any attempt against the probe succeeded, and errors when every
// attempt errored.
func WriteJUnit(w io.Writer, run results.Run, as []results.Attempt, cat *probe.Catalog) error {
	type agg struct {
		n, succ, errs int
		first         *results.Attempt
		lastErr       string
		secs          float64
		category      string
	}
	by := map[string]*agg{}
	for i := range as {
		a := &as[i]
		g := by[a.ProbeID]
		if g == nil {
			g = &agg{category: a.Category}
			by[a.ProbeID] = g
		}
		g.n++
		g.secs += a.Latency.Seconds()
		switch {
		case a.Error != "":
			g.errs++
			g.lastErr = a.Error
		case a.Success:
			g.succ++
			if g.first == nil {
				g.first = a
			}
		}
	}
	ids := make([]string, 0, len(by))
	for id := range by {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	s := jSuite{Name: "bulwark redteam " + run.ID}
	for _, id := range ids {
		g := by[id]
		name := id
		if p := cat.ByID(id); p != nil {
			name = id + " " + p.Title
		}
		c := jCase{Name: xmlText(name), Classname: "redteam." + g.category, Time: fmt.Sprintf("%.3f", g.secs)}
		switch {
		case g.succ > 0:
			body := fmt.Sprintf("%d of %d attempts succeeded\nfirst: %s (%s)\nevidence: %s\n\n%s",
				g.succ, g.n, g.first.Key, g.first.Mutators, g.first.Verdict.Evidence(), Transcript(g.first.Transcript))
			c.Failure = &jProblem{Message: xmlText(fmt.Sprintf("%d/%d attacks succeeded", g.succ, g.n)), Type: g.first.Severity.String(), Body: xmlText(body)}
			s.Failures++
		case g.errs == g.n:
			c.Error = &jProblem{Message: "every attempt failed", Type: "error", Body: xmlText(g.lastErr)}
			s.Errors++
		}
		s.Cases = append(s.Cases, c)
	}
	s.Tests = len(s.Cases)
	doc := jSuites{Name: "bulwark", Tests: s.Tests, Failures: s.Failures, Errors: s.Errors, Suites: []jSuite{s}}
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
