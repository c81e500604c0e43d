package transport

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/rampartsec/rampart/internal/attack/core"
)

// ExpirySoon is how close to its end a certificate is reported (low).
const ExpirySoon = 30 * 24 * time.Hour

// certIssue is one problem with the served certificate.
type certIssue struct {
	title    string
	cwe      int
	severity core.Severity
	detail   string
}

// CertificateIssues inspects the chain a server presented for host: trust
// (against roots, nil meaning the system's), self-signed, host name,
// validity period and nearing expiry, key size and signature algorithm.
func CertificateIssues(chain []*x509.Certificate, host string, roots *x509.CertPool, now time.Time) []certIssue {
	if len(chain) == 0 || chain[0] == nil {
		return []certIssue{{"No certificate presented", 295, core.SeverityHigh, "the server sent no certificate"}}
	}
	leaf := chain[0]
	var out []certIssue
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		if c != nil {
			inter.AddCert(c)
		}
	}
	_, verr := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now})
	switch {
	case now.After(leaf.NotAfter):
		out = append(out, certIssue{"TLS certificate expired", 324, core.SeverityHigh,
			fmt.Sprintf("expired on %s", leaf.NotAfter.UTC().Format(time.DateOnly))})
	case now.Before(leaf.NotBefore):
		out = append(out, certIssue{"TLS certificate not yet valid", 324, core.SeverityHigh,
			fmt.Sprintf("valid only from %s", leaf.NotBefore.UTC().Format(time.DateOnly))})
	case leaf.NotAfter.Sub(now) <= ExpirySoon:
		out = append(out, certIssue{"TLS certificate expires soon", 324, core.SeverityLow,
			fmt.Sprintf("expires on %s, in %d days", leaf.NotAfter.UTC().Format(time.DateOnly), int(leaf.NotAfter.Sub(now).Hours()/24))})
	}
	if verr != nil && !expiryOnly(verr) {
		if selfSigned(leaf) {
			out = append(out, certIssue{"TLS certificate is self-signed", 295, core.SeverityMedium,
				"the certificate is signed by its own key (" + leaf.Subject.String() + "); clients must disable verification or pin it"})
		} else {
			out = append(out, certIssue{"TLS certificate is not trusted", 295, core.SeverityMedium,
				"the chain does not lead to a trusted root: " + verr.Error()})
		}
	}
	if err := leaf.VerifyHostname(host); err != nil {
		out = append(out, certIssue{"TLS certificate does not match the host name", 297, core.SeverityMedium,
			fmt.Sprintf("the certificate is for %v %v, not %s", leaf.DNSNames, leaf.IPAddresses, host)})
	}
	switch k := leaf.PublicKey.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			out = append(out, certIssue{"TLS certificate key is too short", 326, core.SeverityMedium,
				fmt.Sprintf("RSA key of %d bits, fewer than 2048", k.N.BitLen())})
		}
	case *ecdsa.PublicKey:
		if k.Curve.Params().BitSize < 256 {
			out = append(out, certIssue{"TLS certificate key is too short", 326, core.SeverityMedium,
				fmt.Sprintf("ECDSA key of %d bits", k.Curve.Params().BitSize)})
		}
	}
	switch leaf.SignatureAlgorithm {
	case x509.MD2WithRSA, x509.MD5WithRSA, x509.SHA1WithRSA, x509.DSAWithSHA1, x509.ECDSAWithSHA1:
		out = append(out, certIssue{"TLS certificate signed with a broken hash", 327, core.SeverityMedium,
			"signature algorithm " + leaf.SignatureAlgorithm.String()})
	}
	return out
}

// expiryOnly reports a verification error that only repeats the validity
// period, reported on its own above.
func expiryOnly(err error) bool {
	ce, ok := err.(x509.CertificateInvalidError)
	return ok && ce.Reason == x509.Expired
}

func selfSigned(c *x509.Certificate) bool {
	return c.Issuer.String() == c.Subject.String() && c.CheckSignatureFrom(c) == nil
}
