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
		Long: `Check a configuration file and print every problem as file:line: field: message.

Beyond the file itself, validate builds what serve builds before it listens,
with the same code: it loads the certificates, keys, CA bundles, API key
files, OpenAPI documents and CRS rule files the file names, reads the
*_env variables (naming a missing one, never printing a value), and checks
that the log files and the audit directory can be written. It binds no port,
connects to no Redis and fetches no JWKS. Exits 0 when valid, 1 otherwise.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(path)
			if err == nil {
				err = gateway.Check(cfg)
			}
			if err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), err)
				return exitError{code: 1}
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s: configuration is valid\n", path)
			return err
		},
	}
	cmd.Flags().StringVarP(&path, "config", "c", "rampart.yaml", "configuration file")
	return cmd
}
