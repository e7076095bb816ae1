package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bulwark-ai/bulwark/redteam/evalsuite"
	"github.com/bulwark-ai/bulwark/redteam/judge"
)

func newTestCmd(a *app) *cobra.Command {
	var (
		tf          targetFlags
		format, out string
		concurrency int
		allowCmd    bool
	)
	c := &cobra.Command{
		Use:   "test SUITE.yaml",
		Short: "Run a golden evaluation suite against an LLM app (CI-friendly)",
		Long: `Run a YAML evaluation suite: prompts (or prompt × variable matrices) with
assertions (contains, not-contains, regex, not-regex, json-schema, is-refusal,
not-refusal, no-pii, no-secrets, detector-below, detector-above, similar,
llm-rubric) and fuzz cases. Exit 0 when every case passes, 1 when any fails
or errors, 2 on a usage error. See examples/redteam/suite.yaml.`,
		Example: `  bulwark test examples/redteam/suite.yaml --target http://127.0.0.1:9797/v1
  bulwark test suite.yaml --format junit -o junit.xml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format = strings.ToLower(format)
			if format != "text" && format != "junit" {
				return usageError("--format: %q is not text or junit", format)
			}
			f, err := os.Open(args[0])
			if err != nil {
				return usageError("test: %v", err)
			}
			suite, err := evalsuite.Parse(f)
			f.Close()
			if err != nil {
				return usageError("test %s: %v", args[0], err)
			}
			rc := a.cfg.Redteam
			if suite.Target != nil {
				if strings.EqualFold(suite.Target.Provider, "command") && !allowCmd {
					return usageError("test %s: the suite's target runs a local command; pass --allow-command if you trust the suite", args[0])
				}
				rc.Target = *suite.Target
				if rc.Target.Provider == "" {
					rc.Target.Provider = "openai"
				}
			}
			tf.apply(&rc.Target)
			if !rc.Target.Configured() {
				return usageError("test %s: no target: set target.url in the suite, pass --target or set redteam.target.url", args[0])
			}
			tg, err := a.buildTarget("test target", rc.Target)
			if err != nil {
				return err
			}
			engine, err := a.engine()
			if err != nil {
				return err
			}
			r := &evalsuite.Runner{Target: tg, Checker: evalsuite.Checker{Engine: engine, Canaries: rc.Canaries}, Concurrency: rc.Concurrency, Timeout: rc.Timeout, MaxTokens: rc.MaxTokens}
			if cmd.Flags().Changed("concurrency") {
				r.Concurrency = concurrency
			}
			if rc.Judge.Configured() {
				jt, err := a.buildTarget("test judge", rc.Judge)
				if err != nil {
					return err
				}
				r.Checker.LLM = judge.NewLLM(jt, "")
			}
			ctx, stop := interruptible(cmd.Context())
			defer stop()
			results, err := r.Run(ctx, suite)
			if err != nil {
				return &exitErr{code: exitError, err: fmt.Errorf("test %s: %w", args[0], err)}
			}
			name := suite.Name
			if name == "" {
				name = args[0]
			}
			write := func(w io.Writer) error {
				if format == "junit" {
					return evalsuite.WriteJUnit(w, name, results)
				}
				return evalsuite.WriteText(w, results)
			}
			if out != "" {
				if err := writeFile(out, write); err != nil {
					return err
				}
				if format == "junit" {
					evalsuite.WriteText(a.stderr, results)
				}
			} else if err := write(a.stdout); err != nil {
				return &exitErr{code: exitError, err: err}
			}
			for i := range results {
				if !results[i].Passed() {
					return errFindings
				}
			}
			return nil
		},
	}
	addTargetFlags(c, &tf)
	c.Flags().StringVarP(&format, "format", "f", "text", "output format: text or junit")
	c.Flags().StringVarP(&out, "output", "o", "", "write the results to this file instead of stdout")
	c.Flags().IntVar(&concurrency, "concurrency", 4, "cases in flight")
	c.Flags().BoolVar(&allowCmd, "allow-command", false, "let the suite's target be a local command (it runs that program)")
	return c
}
