package main

import "github.com/spf13/cobra"

func newTestCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "test SUITE.yaml",
		Short: "Run a golden evaluation suite against an LLM app (CI-friendly)",
		RunE: func(cmd *cobra.Command, args []string) error {
			return notYet("test")
		},
	}
}
