package main

import (
	"os"
	"time"

	"github.com/rampartsec/rampart/internal/sign"
	"github.com/spf13/cobra"
)

func newSignCommand() *cobra.Command {
	var in sign.CommandInput
	var headers []string
	var bodyFile, algorithm string
	var ttl time.Duration
	cmd := &cobra.Command{
		Use:   "sign URL",
		Short: "Sign a request with HTTP Message Signatures (RFC 9421)",
		Long: `Sign a request for a partner route that requires signatures: prints the
Signature-Input, Signature and Content-Digest headers (or a curl command
with --format curl). The signature covers @method, @target-uri,
content-digest for bodies, created, expires and a fresh nonce.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in.URL = args[0]
			in.Headers = headers
			in.Algorithm = sign.Algorithm(algorithm)
			in.Options.TTL = ttl
			if bodyFile != "" {
				b, err := os.ReadFile(bodyFile)
				if err != nil {
					return err
				}
				in.Body = b
			}
			return sign.RunSign(cmd.OutOrStdout(), in)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&in.Method, "method", "X", "", "request method (default GET, or POST with a body)")
	f.StringArrayVarP(&headers, "header", "H", nil, `extra header "Name: value" (repeatable)`)
	f.StringVar(&bodyFile, "body-file", "", "file with the request body")
	f.StringVar(&in.KeyFile, "key", "", "signing key file (PEM private key, or base64 HMAC secret)")
	f.StringVar(&in.KeyID, "key-id", "", "keyid the gateway knows the key by")
	f.StringVar(&algorithm, "alg", "", "ed25519, ecdsa-p256-sha256, rsa-pss-sha512 or hmac-sha256 (inferred from the key when possible)")
	f.DurationVar(&ttl, "ttl", 5*time.Minute, "signature lifetime (expires = created + ttl)")
	f.StringVar(&in.Format, "format", "", "headers (default) or curl")
	_ = cmd.MarkFlagRequired("key")
	_ = cmd.MarkFlagRequired("key-id")
	return cmd
}
