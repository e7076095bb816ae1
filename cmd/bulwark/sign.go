package main

import "github.com/spf13/cobra"

func newSignCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "sign MODEL_DIR",
		Short: "Sign a model folder (OpenSSF model signing format)",
		RunE: func(cmd *cobra.Command, args []string) error {
			return notYet("sign")
		},
	}
}
