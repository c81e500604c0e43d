package main

import (
	"github.com/rampartsec/rampart/internal/demo"
	"github.com/spf13/cobra"
)

func newDemoCommand() *cobra.Command {
	var opts demo.Options
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Attack the bundled vulnerable API directly and through Rampart",
		Long: `Start the deliberately vulnerable sample API (loopback only) and the gateway
in front of it with the example configuration, run the attack simulator
(rampart attack, every check) against the API directly and through the
gateway, and print a before/after table: each finding of the direct scan,
whether the gateway stopped it and which guard did. Then keep both running
so you can try requests yourself (Ctrl+C stops).

--once exits after the tables: 0 when every result is what this version
should do (the direct scan finds every planted flaw, the gateway stops all
but the documented gaps). --report DIR writes both scans' reports to
DIR/direct and DIR/gateway.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Out, opts.Log = cmd.OutOrStdout(), cmd.ErrOrStderr()
			opts.Version = version
			return demo.Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Once, "once", false, "run the scans, print the tables and exit (non-zero when a result is unexpected)")
	cmd.Flags().StringVar(&opts.ReportDir, "report", "", "write both scans' reports (json, sarif, html) to DIR/direct and DIR/gateway")
	cmd.Flags().StringVar(&opts.Listen, "listen", "127.0.0.1:8080", "gateway address (a free port is used when taken)")
	return cmd
}
