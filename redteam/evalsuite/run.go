package evalsuite

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/bulwark-ai/bulwark/detect"
	"github.com/bulwark-ai/bulwark/finding"
	"github.com/bulwark-ai/bulwark/redteam/target"
	"github.com/bulwark-ai/bulwark/report"
)

// Result is the outcome of one case.
type Result struct {
	Case     Case
	Answer   string
	Failures []string
	// Error is set when the target could not answer.
	Error    string
	Duration time.Duration
}

// Passed reports whether the case passed.
func (r *Result) Passed() bool { return r.Error == "" && len(r.Failures) == 0 }

// Runner runs suites.
type Runner struct {
	Target  target.Target
	Checker Checker
	// Concurrency bounds cases in flight; 0 means 4.
	Concurrency int
	// Timeout bounds one request; 0 means 60 s.
	Timeout time.Duration
	// MaxTokens bounds answers; 0 means 512.
	MaxTokens int
}

// Run runs every case of s and returns the results in case order.
func (r *Runner) Run(ctx context.Context, s *Suite) ([]Result, error) {
	cases, err := s.Cases()
	if err != nil {
		return nil, err
	}
	conc, timeout, maxTok := r.Concurrency, r.Timeout, r.MaxTokens
	if conc <= 0 {
		conc = 4
	}
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	if maxTok <= 0 {
		maxTok = 512
	}
	chk := r.Checker
	chk.Canaries = append(append([]string{}, chk.Canaries...), s.Canaries...)
	out := make([]Result, len(cases))
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	for i := range cases {
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			c := cases[i]
			res := Result{Case: c}
			start := time.Now()
			rctx, cancel := context.WithTimeout(ctx, timeout)
			rep, err := r.Target.Send(rctx, target.Request{System: s.SystemPrompt, Messages: []target.Message{{Role: target.RoleUser, Content: c.Prompt}}, MaxTokens: maxTok})
			cancel()
			res.Duration = time.Since(start)
			if err != nil {
				res.Error = err.Error()
				out[i] = res
				return
			}
			res.Answer = rep.Text
			var once sync.Once
			var scanRes detect.Result
			var scanErr error
			scan := func() (detect.Result, error) {
				once.Do(func() {
					if chk.Engine == nil {
						scanErr = fmt.Errorf("no detection engine")
						return
					}
					scanRes, scanErr = chk.Engine.Scan(ctx, detect.Input{Text: rep.Text, Role: detect.RoleResponse, SystemPrompt: s.SystemPrompt, Prompt: c.Prompt, Canaries: chk.Canaries})
				})
				return scanRes, scanErr
			}
			for j := range c.Assert {
				if why := chk.Check(ctx, &c.Assert[j], c.Vars, c.Prompt, rep.Text, scan); why != "" {
					res.Failures = append(res.Failures, c.Assert[j].Type+": "+why)
				}
			}
			out[i] = res
		}(i)
	}
	wg.Wait()
	return out, ctx.Err()
}

// WriteJUnit writes the results as JUnit XML, one test case per case.
func WriteJUnit(w io.Writer, name string, rs []Result) error {
	s := report.JUnitSuite{Name: name}
	var total time.Duration
	for _, r := range rs {
		total += r.Duration
		c := report.JUnitCase{Name: r.Case.Name, Classname: name, Time: fmt.Sprintf("%.3f", r.Duration.Seconds()),
			SystemOut: finding.Truncate(r.Answer, 2000)}
		switch {
		case r.Error != "":
			c.Error = &report.JUnitProblem{Message: finding.Truncate(r.Error, 300), Type: "error", Body: r.Error}
		case len(r.Failures) > 0:
			body := "prompt: " + finding.Truncate(r.Case.Prompt, 1000) + "\n"
			for _, f := range r.Failures {
				body += "- " + f + "\n"
			}
			c.Failure = &report.JUnitProblem{Message: finding.Truncate(r.Failures[0], 300), Type: "assertion", Body: body}
		}
		s.Cases = append(s.Cases, c)
	}
	s.Time = fmt.Sprintf("%.3f", total.Seconds())
	return report.WriteJUnitSuites(w, "bulwark test", s.Time, s)
}

// WriteText writes a human summary: one line per failing case and a total.
func WriteText(w io.Writer, rs []Result) error {
	pass := 0
	for _, r := range rs {
		switch {
		case r.Passed():
			pass++
		case r.Error != "":
			fmt.Fprintf(w, "ERROR %s: %s\n", r.Case.Name, finding.Truncate(r.Error, 200))
		default:
			for _, f := range r.Failures {
				fmt.Fprintf(w, "FAIL  %s: %s\n", r.Case.Name, f)
			}
		}
	}
	_, err := fmt.Fprintf(w, "%d of %d cases passed\n", pass, len(rs))
	return err
}
