package main

import "github.com/spf13/cobra"

func newEventsCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "events",
		Short: "List the gateway's audit events",
		RunE: func(cmd *cobra.Command, args []string) error {
			return notYet("events")
		},
	}
}
