package main

import "github.com/spf13/cobra"

func newServeCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run the AI gateway: score every prompt and response and act on policy",
		RunE: func(cmd *cobra.Command, args []string) error {
			return notYet("serve")
		},
	}
}
