package main

import "github.com/spf13/cobra"

func newBOMCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "bom MODEL_DIR",
		Short: "Write a CycloneDX 1.6 AI bill of materials for a model folder",
		RunE: func(cmd *cobra.Command, args []string) error {
			return notYet("bom")
		},
	}
}
