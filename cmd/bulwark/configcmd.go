package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newConfigCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "config",
		Short: "Show the resolved configuration",
	}
	c.AddCommand(&cobra.Command{
		Use:   "print",
		Short: "Print the resolved config (defaults, bulwark.yaml, BULWARK_* env) with secrets masked",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out, err := a.cfg.Masked().YAML()
			if err != nil {
				return err
			}
			src := "built-in defaults and environment"
			if a.cfgFile != "" {
				src = a.cfgFile + ", then environment"
			}
			fmt.Fprintf(a.stdout, "# resolved from %s\n%s", src, out)
			return nil
		},
	})
	return c
}
