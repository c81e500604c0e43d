package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "rampart",
		Short: "API security gateway, attack simulator and tools",
		Long: `Rampart protects HTTP/JSON APIs: a reverse proxy that blocks the API attack
chain (reconnaissance, broken authentication, brute force, injection, denial
of service, broken authorization, data exfiltration) and records what it saw.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newServeCommand(), newValidateCommand(), newDemoCommand(), newVersionCommand(),
		newKeysCommand(), newSignCommand(), newAuditCommand(), newAttackCommand())
	return root
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := version
			if info, ok := debug.ReadBuildInfo(); ok && v == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
				v = info.Main.Version
			}
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "rampart %s\n", v)
			return err
		},
	}
}
