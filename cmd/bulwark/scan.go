package main

import "github.com/spf13/cobra"

func newScanCmd(a *app) *cobra.Command {
	var rf reportFlags
	c := &cobra.Command{
		Use:   "scan PATH...",
		Short: "Scan model files and folders for code execution, unsafe operators, tampering and secrets",
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := rf.failThreshold(); err != nil {
				return err
			}
			return notYet("scan")
		},
	}
	addReportFlags(c, &rf)
	return c
}
