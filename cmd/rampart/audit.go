package main

import (
	"fmt"
	"os"
	"time"

	"github.com/rampartsec/rampart/internal/audit"
	"github.com/spf13/cobra"
)

func newAuditCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Tamper-evident audit log: keys, verification, search"}
	cmd.AddCommand(newAuditKeygenCommand(), newAuditVerifyCommand(), newAuditShowCommand())
	return cmd
}

func newAuditKeygenCommand() *cobra.Command {
	var o audit.KeygenOptions
	cmd := &cobra.Command{
		Use:   "keygen",
		Short: "Create the Ed25519 checkpoint key pair (and optionally an HMAC key)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return audit.RunKeygen(cmd.OutOrStdout(), o)
		},
	}
	cmd.Flags().StringVar(&o.PrivateKeyPath, "private", "", "where to write the private key (PEM, mode 0600)")
	cmd.Flags().StringVar(&o.PublicKeyPath, "public", "", "where to write the public key (PEM)")
	cmd.Flags().StringVar(&o.HMACKeyPath, "hmac", "", "also write a new HMAC key here (mode 0600)")
	_ = cmd.MarkFlagRequired("private")
	_ = cmd.MarkFlagRequired("public")
	return cmd
}

func newAuditVerifyCommand() *cobra.Command {
	var pubkey, checkpoints string
	var keyEnvs, keyFiles []string
	cmd := &cobra.Command{
		Use:   "verify DIR",
		Short: "Verify the audit log's chain, MACs, sequence and checkpoints",
		Long: `Verify every segment of the audit log in DIR: the hash chain, each record's
HMAC (with the keys given), sequence numbers and the signed checkpoints.
Reports the first broken record and the kind of damage (edited, deleted,
inserted, reordered, truncated, wrong_key, ...). Exit status 0 when intact,
1 when damaged.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := audit.VerifyOptions{HMACKeys: map[string][]byte{}}
			for _, spec := range keyEnvs {
				kid, key, err := audit.LoadKeySpec(spec, true)
				if err != nil {
					return err
				}
				opts.HMACKeys[kid] = key
			}
			for _, spec := range keyFiles {
				kid, key, err := audit.LoadKeySpec(spec, false)
				if err != nil {
					return err
				}
				opts.HMACKeys[kid] = key
			}
			if pubkey != "" {
				pub, err := audit.LoadPublicKey(pubkey)
				if err != nil {
					return err
				}
				opts.PublicKey = pub
			}
			if checkpoints != "" {
				f, err := os.Open(checkpoints)
				if err != nil {
					return err
				}
				cps, err := audit.ParseCheckpoints(f)
				f.Close()
				if err != nil {
					return fmt.Errorf("reading checkpoints: %w", err)
				}
				opts.Checkpoints = cps
			}
			ok, err := audit.RunVerify(cmd.OutOrStdout(), args[0], opts)
			if err != nil {
				return err
			}
			if !ok {
				return exitError{code: 1}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&pubkey, "pubkey", "", "Ed25519 public key (PEM) that verifies checkpoints")
	f.StringArrayVar(&keyEnvs, "key-env", nil, "HMAC key from an environment variable: VAR or KID=VAR (repeatable)")
	f.StringArrayVar(&keyFiles, "key-file", nil, "HMAC key from a file: PATH or KID=PATH (repeatable)")
	f.StringVar(&checkpoints, "checkpoints", "", "off-box copies of checkpoints (the events file or a checkpoint JSON-lines file)")
	return cmd
}

func newAuditShowCommand() *cobra.Command {
	var f audit.Filter
	var since, until, format string
	cmd := &cobra.Command{
		Use:   "show DIR",
		Short: "Search the audit log",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if f.Since, err = parseTimeFlag("since", since); err != nil {
				return err
			}
			if f.Until, err = parseTimeFlag("until", until); err != nil {
				return err
			}
			_, err = audit.RunShow(cmd.OutOrStdout(), args[0], f, format)
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&since, "since", "", "from this time (RFC 3339, or a duration ago such as 2h)")
	fl.StringVar(&until, "until", "", "before this time (RFC 3339, or a duration ago)")
	fl.StringVar(&f.Client, "client", "", "client IP address or CIDR")
	fl.StringVar(&f.Subject, "subject", "", "identity subject")
	fl.StringVar(&f.Verdict, "verdict", "", "allowed, denied, flagged or error")
	fl.StringVar(&f.Rule, "rule", "", `denial or event rule ("rule" or "guard/rule")`)
	fl.StringVar(&f.Kind, "kind", "", "record kind: outcome, event, admin, checkpoint, ...")
	fl.StringVar(&format, "format", "table", "table or json")
	return cmd
}

// parseTimeFlag accepts RFC 3339 or a duration ago ("2h").
func parseTimeFlag(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return time.Now().Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("--%s: want an RFC 3339 time or a duration such as 2h", name)
}
