package main

import (
	"strings"

	"github.com/rampartsec/rampart/internal/guard/authn"
	"github.com/spf13/cobra"
)

func newKeysCommand() *cobra.Command {
	keys := &cobra.Command{Use: "keys", Short: "Manage API keys"}
	var id, scopes, subject string
	gen := &cobra.Command{
		Use:   "generate",
		Short: "Generate an API key",
		Long: `Generate a high-entropy API key. The key is printed once, with the record to
paste under authentication.api_keys.keys (or into the keys_file): only its
SHA-256 hash is ever stored. To rotate, generate a new key with the same id
and list both hashes until clients have switched.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var sc []string
			for _, s := range strings.Split(scopes, ",") {
				if s = strings.TrimSpace(s); s != "" {
					sc = append(sc, s)
				}
			}
			return authn.RunKeysGenerate(cmd.OutOrStdout(), id, sc, subject)
		},
	}
	gen.Flags().StringVar(&id, "id", "", "key id (lowercase letters, digits, -)")
	gen.Flags().StringVar(&scopes, "scopes", "", "comma-separated scopes")
	gen.Flags().StringVar(&subject, "subject", "", "identity subject (default: the id)")
	_ = gen.MarkFlagRequired("id")
	keys.AddCommand(gen)
	return keys
}
