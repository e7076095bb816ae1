package main

import "github.com/spf13/cobra"

func newRedactCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "redact",
		Short: "Replace PII and secrets in text or a JSONL dataset",
		RunE: func(cmd *cobra.Command, args []string) error {
			return notYet("redact")
		},
	}
}
