package main

import "github.com/spf13/cobra"

func newVerifyCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "verify MODEL_DIR",
		Short: "Verify a model folder's signature and name every changed file",
		RunE: func(cmd *cobra.Command, args []string) error {
			return notYet("verify")
		},
	}
}
