package summary

import (
	"fmt"
	"io"
	"sort"

	"github.com/bulwark-ai/bulwark/redteam/probe"
	"github.com/bulwark-ai/bulwark/redteam/results"
	"github.com/bulwark-ai/bulwark/report"
)

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
	s := report.JUnitSuite{Name: "bulwark redteam " + run.ID}
	for _, id := range ids {
		g := by[id]
		name := id
		if p := cat.ByID(id); p != nil {
			name = id + " " + p.Title
		}
		c := report.JUnitCase{Name: name, Classname: "redteam." + g.category, Time: fmt.Sprintf("%.3f", g.secs)}
		switch {
		case g.succ > 0:
			body := fmt.Sprintf("%d of %d attempts succeeded\nfirst: %s (%s)\nevidence: %s\n\n%s",
				g.succ, g.n, g.first.Key, g.first.Mutators, g.first.Verdict.Evidence(), Transcript(g.first.Transcript))
			c.Failure = &report.JUnitProblem{Message: fmt.Sprintf("%d/%d attacks succeeded", g.succ, g.n), Type: g.first.Severity.String(), Body: body}
		case g.errs == g.n:
			c.Error = &report.JUnitProblem{Message: "every attempt failed", Type: "error", Body: g.lastErr}
		}
		s.Cases = append(s.Cases, c)
	}
	return report.WriteJUnitSuites(w, "bulwark", "", s)
}
