package main

import (
	"fmt"

	"github.com/rampartsec/rampart/internal/config"
	"github.com/rampartsec/rampart/internal/gateway"
	"github.com/spf13/cobra"
)

func newValidateCommand() *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check a configuration file",
		Long:  "Check a configuration file and print every problem as file:line: field: message. Exits 0 when valid, 1 otherwise.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(path)
			if err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), err)
				return exitError{code: 1}
			}
			if err := gateway.CheckDetection(cfg); err != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s: %v\n", path, err)
				return exitError{code: 1}
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s: configuration is valid\n", path)
			return err
		},
	}
	cmd.Flags().StringVarP(&path, "config", "c", "rampart.yaml", "configuration file")
	return cmd
}
