package main

import "github.com/spf13/cobra"

func newLineageCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "lineage",
		Short: "Answer which models used a dataset or framework version, from attestations",
		RunE: func(cmd *cobra.Command, args []string) error {
			return notYet("lineage")
		},
	}
}
