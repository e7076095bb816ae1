package main

import "github.com/spf13/cobra"

func newRedteamCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "redteam",
		Short: "Attack an LLM app over its API, judge, score and report",
		RunE: func(cmd *cobra.Command, args []string) error {
			return notYet("redteam")
		},
	}
}
