package main

import "github.com/spf13/cobra"

func newAttestCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "attest",
		Short: "Write signed dataset and training attestations (in-toto, SLSA)",
		RunE: func(cmd *cobra.Command, args []string) error {
			return notYet("attest")
		},
	}
}
