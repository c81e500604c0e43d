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
in front of it, run the same attacks against both and print a before/after
table. Then keep both running so you can try requests yourself (Ctrl+C
stops). --once exits after the table: 0 when every result is as expected.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Out, opts.Log = cmd.OutOrStdout(), cmd.ErrOrStderr()
			return demo.Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Once, "once", false, "run the attacks, print the table and exit")
	cmd.Flags().StringVar(&opts.Listen, "listen", "127.0.0.1:8080", "gateway address (a free port is used when taken)")
	return cmd
}
