package main

import (
	"github.com/rampartsec/rampart/internal/gateway"
	"github.com/spf13/cobra"
)

func newServeCommand() *cobra.Command {
	var opts gateway.RunOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the gateway",
		Long: `Run the gateway with the given configuration file.

SIGHUP reloads the configuration (an invalid file is refused and the running
configuration keeps serving) and the TLS certificate files; SIGTERM or Ctrl+C
drains in-flight requests, bounded by listen.timeouts.shutdown.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Stderr = cmd.ErrOrStderr()
			opts.Stdout = cmd.OutOrStdout()
			return gateway.Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.ConfigPath, "config", "c", "rampart.yaml", "configuration file")
	cmd.Flags().BoolVar(&opts.DevTLS, "dev-tls", false, "serve HTTPS with a generated self-signed certificate (development only)")
	return cmd
}
