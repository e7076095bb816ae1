package main

import "github.com/spf13/cobra"

func newCheckCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "check [TEXT | -]",
		Short: "Score text or a JSONL dataset for prompt injection, jailbreaks, PII, secrets and more",
		RunE: func(cmd *cobra.Command, args []string) error {
			return notYet("check")
		},
	}
}
