package authn

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/rampartsec/rampart/internal/pipeline"
)

// Subject sources for client certificates.
const (
	SubjectFromCN       = "cn"
	SubjectFromSANURI   = "san_uri"
	SubjectFromSANDNS   = "san_dns"
	SubjectFromSANEmail = "san_email"
)

// maxPeerCerts bounds the chain a client may present: verification work
// grows with it.
const maxPeerCerts = 8

type mtlsSettings struct {
	subjectFrom string
	subjects    map[string]Grants
	defaultPool *x509.CertPool
}

func newMTLSSettings(cfg MTLSConfig, a *Authenticator) (*mtlsSettings, error) {
	m := &mtlsSettings{subjectFrom: cfg.SubjectFrom}
	if len(cfg.Subjects) > 0 {
		m.subjects = make(map[string]Grants, len(cfg.Subjects))
		for subject, g := range cfg.Subjects {
			m.subjects[subject] = g.clipped()
		}
	}
	switch m.subjectFrom {
	case "":
		m.subjectFrom = SubjectFromCN
	case SubjectFromCN, SubjectFromSANURI, SubjectFromSANDNS, SubjectFromSANEmail:
	default:
		return nil, fmt.Errorf("mtls: subject_from %q (want cn, san_uri, san_dns or san_email)", cfg.SubjectFrom)
	}
	if len(cfg.ClientCAFiles) > 0 {
		pool, err := a.caPool(cfg.ClientCAFiles)
		if err != nil {
			return nil, err
		}
		m.defaultPool = pool
	}
	return m, nil
}

// loadCAPool reads PEM bundles into a pool.
func loadCAPool(files []string) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("mtls: reading CA bundle: %w", err)
		}
		if !pool.AppendCertsFromPEM(data) {
			return nil, fmt.Errorf("mtls: %s holds no PEM certificate", f)
		}
	}
	return pool, nil
}

// authenticateMTLS verifies the client certificate of r against pool;
// (nil, nil) when the client presented none. The listener only requested
// the certificate (or verified it against its own, wider CA list): the
// route's pool is what decides, with the intermediates the client sent and
// the client-auth extended key usage.
func (a *Authenticator) authenticateMTLS(r *http.Request, pool *x509.CertPool) (*pipeline.Identity, *failure) {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return nil, nil
	}
	certs := r.TLS.PeerCertificates
	if len(certs) > maxPeerCerts {
		return nil, fail(RuleMTLSUntrusted, fmt.Errorf("client sent %d certificates, at most %d", len(certs), maxPeerCerts))
	}
	leaf := certs[0]
	opts := x509.VerifyOptions{
		Roots:       pool,
		CurrentTime: a.now(),
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if len(certs) > 1 {
		opts.Intermediates = x509.NewCertPool()
		for _, c := range certs[1:] {
			opts.Intermediates.AddCert(c)
		}
	}
	if _, err := leaf.Verify(opts); err != nil {
		return nil, fail(RuleMTLSUntrusted, fmt.Errorf("client certificate %q: %w", leaf.Subject.CommonName, err))
	}
	m := a.mtls
	subject := certSubject(leaf, m.subjectFrom)
	if subject == "" {
		return nil, fail(RuleMTLSNoSubject, fmt.Errorf("client certificate has no %s", m.subjectFrom))
	}
	var grants Grants
	if len(m.subjects) > 0 {
		var ok bool
		if grants, ok = m.subjects[subject]; !ok {
			return nil, fail(RuleMTLSSubjectNotAllowed, fmt.Errorf("certificate subject %q is not allowed", subject))
		}
	}
	fp := sha256.Sum256(leaf.Raw)
	return &pipeline.Identity{
		Subject: subject,
		// The fingerprint names the credential without revealing anything.
		KeyID:  "sha256:" + hex.EncodeToString(fp[:]),
		Method: string(MethodMTLS),
		Tenant: grants.Tenant,
		Scopes: grants.Scopes,
		Roles:  grants.Roles,
	}, nil
}

func certSubject(c *x509.Certificate, from string) string {
	switch from {
	case SubjectFromSANURI:
		if len(c.URIs) > 0 {
			return c.URIs[0].String()
		}
	case SubjectFromSANDNS:
		if len(c.DNSNames) > 0 {
			return c.DNSNames[0]
		}
	case SubjectFromSANEmail:
		if len(c.EmailAddresses) > 0 {
			return c.EmailAddresses[0]
		}
	default:
		return strings.TrimSpace(c.Subject.CommonName)
	}
	return ""
}

// errNoCAPool is returned when a policy accepts mTLS without any CA.
var errNoCAPool = errors.New("mtls needs client CA files (in the MTLS config or the route policy)")
